/*
 * texts.h - code lists (ids and names in both languages) and the prose
 * pools the warning generator picks from. Data only; see texts.c.
 */
#ifndef VARSOM_SIM_TEXTS_H
#define VARSOM_SIM_TEXTS_H

#include <stdbool.h>

/* An id with its Norwegian and English name, and optionally a phrase
 * (per language) used when composing sentences. */
struct sim_code {
	int id;
	const char *nb;
	const char *en;
	const char *xnb;
	const char *xen;
};

/* One avalanche problem type and what goes with it. */
struct sim_ptype {
	int id;
	const char *nb;
	const char *en;
	int ext;       /* AvalancheExtId */
	int avtype;    /* AvalancheTypeId: 10 slab, 20 loose */
	int causes[4]; /* AvalCauseId candidates */
	int ncauses;
	bool wet;
	const char *main_nb[2];
	const char *main_en[2];
	int advices[3]; /* indices into txt_advices */
};

struct sim_pool {
	const char *const *s;
	int n;
};

struct sim_advice {
	int image;
	const char *nb;
	const char *en;
};

enum {
	TXT_PT_NEW_LOOSE,
	TXT_PT_WET_LOOSE,
	TXT_PT_NEW_SLAB,
	TXT_PT_WIND_SLAB,
	TXT_PT_PWL,
	TXT_PT_WET_SLAB,
	TXT_PT_GLIDE,
	TXT_NPTYPES
};

extern const struct sim_ptype txt_ptypes[TXT_NPTYPES];
extern const struct sim_advice txt_advices[];
extern const int txt_nadvices;

/* Lookups by id; never NULL (an unknown id gives a "?" entry). */
const struct sim_code *txt_ext(int id);
const struct sim_code *txt_cause(int id);
const struct sim_code *txt_avtype(int id);
const struct sim_code *txt_probability(int id);
const struct sim_code *txt_trigger(int id);
const struct sim_code *txt_sensitivity(int id);
const struct sim_code *txt_size(int id);
const struct sim_code *txt_propagation(int id);
const struct sim_code *txt_cloud(int id);
const struct sim_code *txt_mtype(int id);
const struct sim_code *txt_msubtype(int id);
/* "2 Moderat" / "2 Moderate"; level 0 gives "0 Ikke vurdert". */
const char *txt_level_name(int level, int lang);

/* Wind: Beaufort-style words, index 0..10; directions 0..7 from N. */
extern const struct sim_code txt_wind[11];
extern const struct sim_code txt_dir[8];

/* Prose (Norwegian only, as in the real API). */
extern const char *const txt_danger_open[6]; /* by level */
extern const struct sim_pool txt_danger, txt_surface, txt_weak, txt_obs,
	txt_activity, txt_comment, txt_authors;

#endif
