/*
 * warning.c - lifetime of warning records (no JSON here).
 */
#include "model/model.h"

#include <stdlib.h>

static void time_free(struct sk_time_field *t)
{
	free(t->local);
	t->local = NULL;
}

static void problem_free(struct sk_problem *p)
{
	free(p->problem_type_name);
	free(p->cause_name);
	free(p->aval_type_name);
	free(p->ext_name);
	free(p->trigger_simple_name);
	free(p->trigger_sensitivity_name);
	free(p->size_name);
	free(p->probability_name);
	free(p->propagation_name);
	free(p->valid_expositions);
	free(p->text);
}

void sk_warning_free(struct sk_warning *w)
{
	if (!w)
		return;
	free(w->region_name);
	free(w->region_type_name);
	free(w->danger_level_raw);
	time_free(&w->valid_from);
	time_free(&w->valid_to);
	time_free(&w->next_warning_time);
	time_free(&w->publish_time);
	time_free(&w->danger_increase_time);
	time_free(&w->danger_decrease_time);
	free(w->main_text);
	free(w->danger_level_name);
	free(w->author);
	free(w->avalanche_danger);
	free(w->emergency_warning);
	free(w->snow_surface);
	free(w->current_weaklayers);
	free(w->latest_avalanche_activity);
	free(w->latest_observations);
	free(w->cloud_cover_name);
	free(w->weather_comment);
	time_free(&w->weather_saved_time);
	for (size_t i = 0; i < w->n_weather; i++) {
		free(w->weather[i].type_name);
		free(w->weather[i].subtype_name);
		free(w->weather[i].value);
	}
	free(w->weather);
	for (size_t i = 0; i < w->n_problems; i++)
		problem_free(&w->problems[i]);
	free(w->problems);
	for (size_t i = 0; i < w->n_advices; i++) {
		free(w->advices[i].text);
		free(w->advices[i].image_url);
	}
	free(w->advices);
	free(w);
}
