/*
 * gen.c - deterministic warning generation. Every value of a warning is
 * derived from splitmix64 hashes of (seed, region, date, salt), so the
 * same seed/revision/region/lang/date always gives the same bytes. The
 * forecast itself does not depend on the language; only the texts do.
 * Field names, order and types follow API.md §4-§6.
 */
#include "sim.h"
#include "texts.h"

#include <stdio.h>
#include <string.h>

enum salt {
	S_REAL_B = 1,
	S_LEVEL,
	S_REPUB,
	S_QUIRK,
	S_PUB,
	S_PUBD,
	S_PUBF,
	S_TIMES,
	S_MAIN,
	S_NPROB,
	S_PTYPE,
	S_PROBLEM,
	S_NATURAL,
	S_AUTHOR,
	S_DANGER,
	S_SURFACE,
	S_WEAK,
	S_OBS,
	S_ACTIVITY,
	S_WEATHER,
	S_BAD,
	S_DRIFT,
};

/* Ways a --bad-rate element is broken (cycled through). */
enum bad_kind {
	BAD_NONE = -1,
	BAD_LEVEL_X = 0,
	BAD_LEVEL_7,
	BAD_NO_VALIDFROM,
	BAD_VALIDFROM,
	BAD_REGION_STR,
	BAD_EXPOSITIONS,
	BAD_LANGKEY,
	BAD_NKINDS
};

struct problem {
	const struct sim_ptype *pt;
	int cause, prob, trig, sens, size, prop;
	char expo[9];
	int fill, h1, h2, level;
	bool crlf;
};

struct forecast {
	const struct sim_region *reg;
	int day, month;
	uint64_t h;
	bool real, republished, quirk_type, natural, probs_null;
	int level;
	long regid, prev_regid; /* prev_regid 0: null */
	int pub_day, pub_sec, pub_digits, pub_frac;
	int incr_sec, decr_sec; /* -1: null */
	int nprob;
	struct problem p[3];
	int main_variant;
	bool main_space;
};

static uint64_t hs(uint64_t h, uint64_t salt)
{
	return sim_mix(h ^ (salt * 0xd1342543de82ef95ULL));
}

static uint64_t base_hash(uint64_t seed, int region, int day)
{
	return sim_hash4(seed, (uint64_t)region, (uint64_t)(int64_t)day,
			 0x5eedULL);
}

static int month_of(int day)
{
	int y, m, d;
	date_civil(day, &y, &m, &d);
	return m;
}

static bool in_season(int month)
{
	return month == 12 || month <= 5;
}

static bool is_real(uint64_t seed, const struct sim_region *r, int day)
{
	if (!in_season(month_of(day)))
		return false;
	if (r->type == 'A')
		return true;
	return hs(base_hash(seed, r->id, day), S_REAL_B) % 1000 < 30;
}

/* Unique per (region, day) within a 41-year window, below 1,000,000 so
 * republished ids (original + revision * 1,000,000) never collide. */
static long regid_for(const struct sim_region *r, int day)
{
	long d = ((long)day % 15000 + 15000) % 15000;
	return 200000 + d * SIM_NREGIONS + (r->id - 3001);
}

/* ------------------------------------------------------------ problems */

static const int ptype_weights[3][TXT_NPTYPES] = {
	/* new-loose wet-loose new-slab wind pwl wet-slab glide */
	{10, 3, 20, 40, 20, 0, 7},   /* Dec-Feb */
	{5, 15, 15, 30, 15, 10, 10}, /* Mar */
	{3, 30, 5, 15, 10, 25, 12},  /* Apr-May */
};

static int pick_ptype(int phase, uint64_t h, const bool *used)
{
	int total = 0;
	for (int i = 0; i < TXT_NPTYPES; i++)
		if (!used[i])
			total += ptype_weights[phase][i];
	if (total <= 0)
		return -1;
	int x = (int)(h % (uint64_t)total);
	for (int i = 0; i < TXT_NPTYPES; i++) {
		if (used[i])
			continue;
		if (x < ptype_weights[phase][i])
			return i;
		x -= ptype_weights[phase][i];
	}
	return -1;
}

static void set_expo(char *out, int start, int width)
{
	memset(out, '0', 8);
	out[8] = '\0';
	for (int i = 0; i < width && i < 8; i++)
		out[(start + i) % 8] = '1';
}

static void make_problem(struct problem *p, int ptype, int level, double lat,
			 uint64_t h)
{
	const struct sim_ptype *pt = &txt_ptypes[ptype];
	uint64_t b = h >> 20; /* independent-ish bits for the binary choices */
	p->pt = pt;
	p->level = level < 1 ? 1 : level;
	p->cause = pt->causes[h % (uint64_t)pt->ncauses];
	static const int probs[6][2] = {{2, 2}, {2, 2}, {3, 3},
					{3, 5}, {5, 7}, {7, 7}};
	p->prob = probs[p->level][b & 1];
	if ((pt->wet || ptype == TXT_PT_GLIDE) && p->level >= 3) {
		p->trig = 22;
		p->sens = 45;
	} else {
		static const int trig[6][2] = {{10, 10}, {10, 10}, {10, 21},
					       {21, 21}, {21, 22}, {22, 22}};
		p->trig = trig[p->level][(b >> 1) & 1];
		/* sensitivity agrees with the simple trigger */
		if (p->trig == 22)
			p->sens = 45;
		else if (p->trig == 21)
			p->sens = (b >> 2) & 1 && p->level >= 3 ? 40 : 30;
		else
			p->sens = (b >> 2) & 1 && p->level >= 2 ? 20 : 10;
	}
	static const int sizes[6][2] = {{1, 1}, {1, 2}, {2, 2},
					{2, 3}, {3, 4}, {4, 5}};
	p->size = sizes[p->level][(b >> 3) & 1];
	static const int props[6][2] = {{1, 1}, {1, 1}, {1, 2},
					{2, 3}, {3, 3}, {3, 3}};
	p->prop = props[p->level][(b >> 4) & 1];

	int start = (int)((b >> 5) % 8);
	int width = 3 + (int)((b >> 8) % 3);
	switch (ptype) {
	case TXT_PT_NEW_LOOSE:
	case TXT_PT_NEW_SLAB:
	case TXT_PT_GLIDE:
		width = (b >> 11) & 1 ? 8 : 5;
		break;
	case TXT_PT_WET_LOOSE:
	case TXT_PT_WET_SLAB:
		start = 2 + (int)((b >> 5) % 2); /* around south */
		width = (b >> 11) % 3 == 0 ? 8 : 4;
		break;
	case TXT_PT_PWL:
		width = 4 + (int)((b >> 8) % 5);
		break;
	default:
		break;
	}
	set_expo(p->expo, start, width);

	int base = lat > 68.0 ? 300 : lat > 64.0 ? 500 : 700;
	p->h1 = base + 100 * (int)((b >> 13) % 6);
	p->h2 = p->h1;
	if (pt->wet) {
		p->fill = 2;
		p->h1 += 300;
		p->h2 = p->h1;
		if ((b >> 17) % 5 == 0) {
			p->fill = 3;
			p->h2 = p->h1 + 400;
		}
	} else if (ptype == TXT_PT_GLIDE) {
		p->fill = 2;
		p->h1 += 200;
		p->h2 = p->h1;
	} else if (ptype == TXT_PT_PWL && (b >> 17) % 6 == 0) {
		p->fill = 4;
		p->h2 = p->h1 + 400;
	} else {
		p->fill = 1;
	}
	p->crlf = (b >> 22) % 3 == 0;
}

/* ------------------------------------------------------------ forecast */

static void build(struct forecast *f, const struct gen_req *g,
		  const struct sim_region *r, int day)
{
	memset(f, 0, sizeof(*f));
	f->reg = r;
	f->day = day;
	f->month = month_of(day);
	f->h = base_hash(g->seed, r->id, day);
	f->real = is_real(g->seed, r, day);
	f->incr_sec = f->decr_sec = -1;
	f->probs_null = day & 1; /* [] and null alternate */
	if (!f->real)
		return;

	if (r->type == 'A') {
		double u = sim_unit(hs(f->h, S_LEVEL));
		f->level = u < 0.20    ? 1
			   : u < 0.60  ? 2
			   : u < 0.92  ? 3
			   : u < 0.995 ? 4
				       : 5;
		f->quirk_type = hs(f->h, S_QUIRK) % 100 < 15;
	} else {
		f->level = 4;
	}
	f->regid = regid_for(r, day);
	f->prev_regid = is_real(g->seed, r, day - 1) ? regid_for(r, day - 1)
						     : 0;

	uint64_t hp = hs(f->h, S_PUB);
	f->pub_day = day - 1;
	f->pub_sec = 15 * 3600 + (int)(hp % 3600);
	f->pub_digits = (int)((hp >> 12) % 4);
	if (f->pub_digits) {
		int lim = f->pub_digits == 1   ? 10
			  : f->pub_digits == 2 ? 100
					       : 1000;
		f->pub_frac = 1 + (int)((hp >> 16) % (uint64_t)(lim - 1));
		if (f->pub_frac % 10 == 0)
			f->pub_frac++; /* .NET drops trailing zeros */
	}

	uint64_t ht = hs(f->h, S_TIMES) % 100;
	if (ht < 5)
		f->decr_sec = (ht & 1 ? 14 : 12) * 3600;
	else if (ht < 10)
		f->incr_sec = (ht & 1 ? 10 : 12) * 3600;

	int phase = f->month == 3                      ? 1
		    : (f->month == 4 || f->month == 5) ? 2
						       : 0;
	uint64_t hn = hs(f->h, S_NPROB);
	f->nprob = f->level == 1   ? 1
		   : f->level == 2 ? 1 + (int)(hn % 2)
		   : f->level == 3 ? 1 + (int)(hn % 3)
				   : 2 + (int)(hn % 2);
	bool used[TXT_NPTYPES] = {false};
	for (int i = 0; i < f->nprob; i++) {
		uint64_t hq = hs(f->h, S_PTYPE + 100 * (uint64_t)i);
		int pt = pick_ptype(phase, hq, used);
		if (pt < 0) {
			f->nprob = i;
			break;
		}
		used[pt] = true;
		int lvl = i == 0 ? f->level : f->level - (int)((hq >> 40) % 2);
		make_problem(&f->p[i], pt, lvl, r->lat,
			     hs(f->h, S_PROBLEM + 100 * (uint64_t)i));
	}
	f->main_variant = (int)(hs(f->h, S_MAIN) % 2);
	f->main_space = hs(f->h, S_MAIN) % 100 >= 85;
	uint64_t hnat = hs(f->h, S_NATURAL) % 20;
	f->natural = (f->level >= 4 && hnat < 10) || (f->level == 3 && !hnat);

	if (g->revision >= 1 && hs(f->h, S_REPUB) % 100 < 10) {
		f->republished = true;
		f->prev_regid = f->regid;
		f->regid += (long)g->revision * 1000000L;
		if (f->level < 5)
			f->level++;
		if (f->nprob > 0)
			f->p[0].level = f->level;
		f->pub_day = day;
		long s = 9 * 3600 + 11 * 60 + 14 + (long)g->revision * 60;
		f->pub_sec = s > 86399 ? 86399 : (int)s;
		f->pub_digits = 1;
		f->pub_frac = 2;
	}
}

/* ------------------------------------------------------------- emitting */

static void put_time(struct jbuf *j, const char *key, int day, int sec,
		     int digits, int frac)
{
	char buf[40];
	datetime_fmt(buf, day, sec);
	if (digits > 0) {
		size_t n = strlen(buf);
		buf[n++] = '.';
		for (int i = digits - 1; i >= 0; i--) {
			buf[n + (size_t)i] = (char)('0' + frac % 10);
			frac /= 10;
		}
		buf[n + (size_t)digits] = '\0';
	}
	jb_kstr(j, key, buf);
}

static const char *lname(const struct sim_code *c, int lang)
{
	return lang == 2 ? c->en : c->nb;
}

/* n distinct sentences of a pool (n <= 4), joined by spaces, after an
 * optional first sentence. */
static void compose(char *buf, size_t cap, const char *first,
		    const struct sim_pool *pool, uint64_t h, int n)
{
	size_t len = 0;
	buf[0] = '\0';
	if (first)
		len = (size_t)snprintf(buf, cap, "%s", first);
	int idx = (int)(h % (uint64_t)pool->n);
	for (int i = 0; i < n && i < pool->n; i++) {
		if (len >= cap)
			break;
		len += (size_t)snprintf(buf + len, cap - len, "%s%s",
					len ? " " : "", pool->s[idx]);
		idx = (idx + 1 + (int)((h >> (8 + 4 * i)) % 2)) % pool->n;
	}
}

static void emit_places(struct jbuf *j, const char *key,
			const struct sim_place *p, int n)
{
	jb_key(j, key);
	jb_arr(j);
	for (int i = 0; i < n; i++) {
		jb_obj(j);
		jb_kstr(j, "Id", p[i].id);
		jb_kstr(j, "Name", p[i].name);
		jb_obj_end(j);
	}
	jb_arr_end(j);
}

static void emit_sub(struct jbuf *j, int id, int sort, int lang,
		     const char *value)
{
	jb_obj(j);
	jb_kint(j, "Id", id);
	jb_kstr(j, "Name", lname(txt_msubtype(id), lang));
	jb_kint(j, "SortOrder", sort);
	jb_kstr(j, "Value", value);
	jb_obj_end(j);
}

static void emit_mtype_open(struct jbuf *j, int id, int sort, int lang)
{
	jb_obj(j);
	jb_kint(j, "Id", id);
	jb_kstr(j, "Name", lname(txt_mtype(id), lang));
	jb_kint(j, "SortOrder", sort);
	jb_key(j, "MeasurementSubTypes");
	jb_arr(j);
}

static void emit_mtype_close(struct jbuf *j)
{
	jb_arr_end(j);
	jb_obj_end(j);
}

static void emit_weather(struct jbuf *j, const struct forecast *f, int lang)
{
	static const int month_temp[13] = {0,  -10, -9, -6, -2, 2, 8,
					   10, 9,   5,  0,  -4, -8};
	static const char *const hours[4] = {"06", "12", "18", "24"};
	uint64_t h = hs(f->h, S_WEATHER);
	char avg[8], most[8], tmin[8], tmax[8], masl[8], fl[8], rs[8];
	char text[4][160];
	bool en = lang == 2;

	int pavg = (int)(h % 12);
	if (f->month >= 4 && (h >> 4) % 3 == 0)
		pavg = 0;
	int pmost = pavg ? pavg * 2 + (int)((h >> 8) % 4) : 0;
	int wspeed = 2 + (int)((h >> 10) % 7), wdir = (int)((h >> 14) % 8);
	bool shift = (h >> 17) & 1;
	int sspeed = 2 + (int)((h >> 18) % 7), sdir = (int)((h >> 22) % 8);
	int shour = (int)((h >> 25) % 3);
	int base = month_temp[f->month] - (int)((f->reg->lat - 62.0) / 3.0) +
		   (int)((h >> 27) % 9) - 4;
	int lo = base - 2 - (int)((h >> 31) % 4),
	    hi = base + (int)((h >> 33) % 5);
	int alt = 800 + 100 * (int)((h >> 36) % 8);
	int frz = alt + hi * 150;
	frz = frz < 0 ? 0 : frz / 100 * 100;
	int rsl = frz - 300 < 0 ? 0 : frz - 300;
	bool fwin = (h >> 40) & 1, rwin = (h >> 41) % 3 == 0;
	snprintf(avg, sizeof(avg), "%d", pavg);
	snprintf(most, sizeof(most), "%d", pmost);
	snprintf(tmin, sizeof(tmin), "%d", lo);
	snprintf(tmax, sizeof(tmax), "%d", hi);
	snprintf(masl, sizeof(masl), "%d", alt);
	snprintf(fl, sizeof(fl), "%d", frz);
	snprintf(rs, sizeof(rs), "%d", rsl);

	jb_key(j, "MountainWeather");
	jb_obj(j);
	int saved_frac = 101 + (int)((h >> 44) % 800);
	if (saved_frac % 10 == 0)
		saved_frac++;
	put_time(j, "LastSavedTime", f->day - 1,
		 15 * 3600 + (int)(hs(f->h, S_PUB) % 3600) / 2, 3, saved_frac);
	int cloud = 10 + 10 * (int)((h >> 48) % 3);
	jb_kint(j, "CloudCoverId", cloud);
	jb_kstr(j, "CloudCoverName", lname(txt_cloud(cloud), lang));
	uint64_t hc = (h >> 50) % 10;
	jb_kstr(j, "Comment",
		hc < 4   ? NULL
		: hc < 6 ? "."
			 : txt_comment.s[1 + hc % 4]);

	jb_key(j, "MeasurementTypes");
	jb_arr(j);
	emit_mtype_open(j, 10, 10, lang);
	emit_sub(j, 60, 20, lang, most);
	emit_sub(j, 70, 10, lang, avg);
	emit_mtype_close(j);
	emit_mtype_open(j, 20, 20, lang);
	emit_sub(j, 20, 10, lang, lname(&txt_wind[wspeed], lang));
	emit_sub(j, 50, 20, lang, lname(&txt_dir[wdir], lang));
	emit_mtype_close(j);
	emit_mtype_open(j, 30, 30, lang);
	emit_sub(j, 20, 10, lang,
		 shift ? lname(&txt_wind[sspeed], lang) : NULL);
	emit_sub(j, 50, 20, lang, shift ? lname(&txt_dir[sdir], lang) : NULL);
	emit_sub(j, 100, 30, lang, shift ? hours[shour] : NULL);
	emit_sub(j, 110, 40, lang, shift ? hours[shour + 1] : NULL);
	emit_mtype_close(j);
	emit_mtype_open(j, 40, 40, lang);
	emit_sub(j, 30, 10, lang, tmin);
	emit_sub(j, 40, 20, lang, tmax);
	emit_sub(j, 90, 30, lang, masl);
	emit_mtype_close(j);
	emit_mtype_open(j, 50, 50, lang);
	emit_sub(j, 90, 10, lang, fl);
	emit_sub(j, 100, 20, lang, fwin ? "12" : NULL);
	emit_sub(j, 110, 30, lang, fwin ? "18" : NULL);
	emit_mtype_close(j);
	emit_mtype_open(j, 55, 60, lang);
	emit_sub(j, 90, 10, lang, rs);
	emit_sub(j, 100, 20, lang, rwin ? "06" : NULL);
	emit_sub(j, 110, 30, lang, rwin ? "18" : NULL);
	emit_mtype_close(j);
	jb_arr_end(j);

	int nt = 0;
	if (pavg)
		snprintf(text[nt++], sizeof(text[0]),
			 en ? "Precipitation: %s mm/24 h, up to %s mm/24 h in "
			      "the most exposed areas."
			    : "Nedbør: %s mm/24 t, opptil %s mm/24 t i de mest "
			      "utsatte områdene.",
			 avg, most);
	else
		snprintf(text[nt++], sizeof(text[0]), "%s",
			 en ? "Precipitation: No precipitation."
			    : "Nedbør: Opphold.");
	snprintf(text[nt++], sizeof(text[0]), "%s: %s, %s.",
		 en ? "Wind" : "Vind", lname(&txt_wind[wspeed], lang),
		 lname(&txt_dir[wdir], lang));
	snprintf(text[nt++], sizeof(text[0]),
		 en ? "Temperature: %s to %s °C at %s masl."
		    : "Temperatur: %s til %s °C på %s moh.",
		 tmin, tmax, masl);
	snprintf(text[nt++], sizeof(text[0]),
		 en ? "Freezing level: %s masl." : "Nullgradersgrense: %s moh.",
		 fl);
	jb_key(j, "MeasurementTexts");
	jb_arr(j);
	for (int i = 0; i < nt; i++) {
		jb_obj(j);
		jb_kint(j, "SortOrder", i + 1);
		jb_kstr(j, "Text", text[i]);
		jb_obj_end(j);
	}
	jb_arr_end(j);
	jb_obj_end(j);
}

static void emit_problem(struct jbuf *j, const struct problem *p, int idx,
			 int lang, bool bad_expo)
{
	const struct sim_code *c;
	char sentence[256];
	jb_obj(j);
	jb_kint(j, "AvalancheProblemId", idx + 1);
	c = txt_ext(p->pt->ext);
	jb_kint(j, "AvalancheExtId", c->id);
	jb_kstr(j, "AvalancheExtName", lname(c, lang));
	c = txt_cause(p->cause);
	jb_kint(j, "AvalCauseId", c->id);
	jb_kstr(j, "AvalCauseName", lname(c, lang));
	c = txt_probability(p->prob);
	jb_kint(j, "AvalProbabilityId", c->id);
	jb_kstr(j, "AvalProbabilityName", lname(c, lang));
	c = txt_trigger(p->trig);
	jb_kint(j, "AvalTriggerSimpleId", c->id);
	jb_kstr(j, "AvalTriggerSimpleName", lname(c, lang));
	const struct sim_code *sens = txt_sensitivity(p->sens);
	jb_kint(j, "AvalTriggerSensitivityId", sens->id);
	jb_key(j, "AvalTriggerSensitivityName");
	jb_str3(j, lname(sens, lang), p->crlf ? "\r\n" : NULL, NULL);
	const struct sim_code *size = txt_size(p->size);
	jb_kint(j, "DestructiveSizeExtId", size->id);
	jb_kstr(j, "DestructiveSizeExtName", lname(size, lang));
	const struct sim_code *prop = txt_propagation(p->prop);
	jb_kint(j, "AvalPropagationId", prop->id);
	jb_kstr(j, "AvalPropagationName", lname(prop, lang));
	c = txt_avtype(p->pt->avtype);
	jb_kint(j, "AvalancheTypeId", c->id);
	jb_kstr(j, "AvalancheTypeName", lname(c, lang));
	jb_kint(j, "AvalancheProblemTypeId", p->pt->id);
	jb_kstr(j, "AvalancheProblemTypeName",
		lang == 2 ? p->pt->en : p->pt->nb);
	jb_kstr(j, "ValidExpositions", bad_expo ? "123" : p->expo);
	jb_kint(j, "ExposedHeight1", p->h1);
	jb_kint(j, "ExposedHeight2", p->h2);
	jb_kint(j, "ExposedHeightFill", p->fill);
	snprintf(sentence, sizeof(sentence), "%s %s. %s",
		 lang == 2 ? sens->xen : sens->xnb,
		 lang == 2 ? prop->xen : prop->xnb,
		 lang == 2 ? size->xen : size->xnb);
	jb_kstr(j, "TriggerSenitivityPropagationDestuctiveSizeText", sentence);
	jb_kint(j, "DangerLevel", p->level);
	jb_kstr(j, "DangerLevelName", txt_level_name(p->level, lang));
	jb_obj_end(j);
}

static void emit_advices(struct jbuf *j, const struct forecast *f,
			 const struct gen_req *g, int lang)
{
	int chosen[4], n = 0;
	for (int i = 0; i < f->nprob && n < 4; i++) {
		for (int k = 0; k < 3 && n < 4; k++) {
			int a = f->p[i].pt->advices[k];
			bool dup = false;
			for (int m = 0; m < n; m++)
				dup |= chosen[m] == a;
			if (!dup && (k < 2 || n < 2))
				chosen[n++] = a;
		}
	}
	jb_key(j, "AvalancheAdvices");
	jb_arr(j);
	for (int i = 0; i < n; i++) {
		const struct sim_advice *a = &txt_advices[chosen[i]];
		char url[160];
		snprintf(url, sizeof(url),
			 "https://api01.nve.no/hydrology/forecast/avalanche/"
			 "%.*s/Images/AvalancheAdvice/%d.jpg",
			 (int)(g->version_len > 20 ? 20 : g->version_len),
			 g->version, a->image);
		jb_obj(j);
		jb_kint(j, "AdviceID", i);
		jb_kstr(j, "ImageUrl", url);
		jb_kstr(j, "Text", lang == 2 ? a->en : a->nb);
		jb_obj_end(j);
	}
	jb_arr_end(j);
}

static void emit_detail(struct jbuf *j, const struct forecast *f,
			const struct gen_req *g, int lang, int bad)
{
	const struct sim_region *r = f->reg;
	char text[2048];
	int east, north;
	region_utm(r, &east, &north);

	emit_places(j, "CountyList", r->counties, r->ncounties);
	emit_places(j, "MunicipalityList", r->munis, r->nmunis);
	if (f->prev_regid)
		jb_kint(j, "PreviousWarningRegId", f->prev_regid);
	else
		jb_knull(j, "PreviousWarningRegId");
	jb_kstr(j, "DangerLevelName", txt_level_name(f->level, lang));
	jb_kint(j, "UtmZone", 33);
	jb_kint(j, "UtmEast", east);
	jb_kint(j, "UtmNorth", north);
	if (!f->real) {
		static const char *const nulls[] = {"Author",
						    "AvalancheDanger",
						    "EmergencyWarning",
						    "SnowSurface",
						    "CurrentWeaklayers",
						    "LatestAvalancheActivity",
						    "LatestObservations"};
		for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
			jb_knull(j, nulls[i]);
		jb_kint(j, "ExposedHeightFill", 0);
		jb_kint(j, "ExposedHeight1", 0);
		jb_knull(j, "MountainWeather");
		if (f->probs_null)
			jb_knull(j, "AvalancheProblems");
		else
			jb_kraw(j, "AvalancheProblems", "[]");
		jb_kraw(j, "AvalancheAdvices", "[]");
	} else {
		uint64_t h;
		jb_kstr(j, "Author",
			txt_authors.s[hs(f->h, S_AUTHOR) %
				      (uint64_t)txt_authors.n]);
		h = hs(f->h, S_DANGER);
		compose(text, sizeof(text), txt_danger_open[f->level],
			&txt_danger, h, 2 + (int)((h >> 40) % 3));
		jb_kstr(j, "AvalancheDanger", text);
		jb_kstr(j, "EmergencyWarning",
			f->natural ? (lang == 2 ? "Natural avalanches"
						: "Naturlig utløste skred")
				   : (lang == 2 ? "Not given" : "Ikke gitt"));
		h = hs(f->h, S_SURFACE);
		compose(text, sizeof(text), NULL, &txt_surface, h,
			1 + (int)((h >> 40) % 2));
		jb_kstr(j, "SnowSurface", text);
		h = hs(f->h, S_WEAK);
		compose(text, sizeof(text), NULL, &txt_weak, h,
			1 + (int)((h >> 40) % 2));
		jb_kstr(j, "CurrentWeaklayers", text);
		h = hs(f->h, S_ACTIVITY);
		if (h % 4 == 0) {
			compose(text, sizeof(text), NULL, &txt_activity, h, 1);
			jb_kstr(j, "LatestAvalancheActivity", text);
		} else {
			jb_knull(j, "LatestAvalancheActivity");
		}
		h = hs(f->h, S_OBS);
		if (h % 5 == 0) {
			jb_knull(j, "LatestObservations");
		} else {
			compose(text, sizeof(text), NULL, &txt_obs, h,
				1 + (int)((h >> 40) % 2));
			jb_kstr(j, "LatestObservations", text);
		}
		jb_kint(j, "ExposedHeightFill", 1);
		jb_kint(j, "ExposedHeight1", 0);
		emit_weather(j, f, lang);
		jb_key(j, "AvalancheProblems");
		jb_arr(j);
		for (int i = 0; i < f->nprob; i++)
			emit_problem(j, &f->p[i], i, lang,
				     bad == BAD_EXPOSITIONS && i == 0);
		jb_arr_end(j);
		emit_advices(j, f, g, lang);
	}
	jb_knull(j, "ExtremWeatherId");
	jb_knull(j, "ExtremWeatherName");
	jb_kbool(j, "IsTendency", false);
}

static void emit_simple(struct jbuf *j, const struct forecast *f, int lang,
			int bad)
{
	const struct sim_region *r = f->reg;
	char buf[40];

	jb_kint(j, "RegId", f->real ? f->regid : 0);
	if (bad == BAD_REGION_STR)
		jb_kstr(j, "RegionId", "abc");
	else
		jb_kint(j, "RegionId", r->id);
	jb_kstr(j, "RegionName", r->name);
	if (!f->real || r->type == 'B') {
		jb_kint(j, "RegionTypeId", 20);
		jb_kstr(j, "RegionTypeName", "B");
	} else if (f->quirk_type) {
		jb_kint(j, "RegionTypeId", 0);
		jb_kstr(j, "RegionTypeName", "Ikke gitt");
	} else {
		jb_kint(j, "RegionTypeId", 10);
		jb_kstr(j, "RegionTypeName", "A");
	}
	if (bad == BAD_LEVEL_X) {
		jb_kstr(j, "DangerLevel", "x");
	} else if (bad == BAD_LEVEL_7) {
		jb_kstr(j, "DangerLevel", "7");
	} else {
		buf[0] = (char)('0' + f->level);
		buf[1] = '\0';
		jb_kstr(j, "DangerLevel", buf);
	}
	if (bad == BAD_VALIDFROM)
		jb_kstr(j, "ValidFrom", "2023-13-45T00:00:00");
	else if (bad != BAD_NO_VALIDFROM)
		put_time(j, "ValidFrom", f->day, 0, 0, 0);
	put_time(j, "ValidTo", f->day, 86399, 0, 0);
	if (f->real) {
		put_time(j, "NextWarningTime", f->day + 1, 16 * 3600, 0, 0);
		put_time(j, "PublishTime", f->pub_day, f->pub_sec,
			 f->pub_digits, f->pub_frac);
	} else {
		put_time(j, "NextWarningTime", f->day - 1, 17 * 3600, 0, 0);
		put_time(j, "PublishTime", f->day, 0, 0, 0);
	}
	if (f->incr_sec >= 0)
		put_time(j, "DangerIncreaseTime", f->day, f->incr_sec, 0, 0);
	else
		jb_knull(j, "DangerIncreaseTime");
	if (f->decr_sec >= 0)
		put_time(j, "DangerDecreaseTime", f->day, f->decr_sec, 0, 0);
	else
		jb_knull(j, "DangerDecreaseTime");
	jb_key(j, "MainText");
	if (!f->real) {
		jb_str(j, lang == 2 ? "Not assessed" : "Ikke vurdert");
	} else {
		const struct sim_ptype *pt = f->p[0].pt;
		const char *prefix = NULL;
		if (f->republished)
			prefix = lang == 2 ? "Updated: " : "Oppdatert: ";
		jb_str3(j, prefix,
			lang == 2 ? pt->main_en[f->main_variant]
				  : pt->main_nb[f->main_variant],
			f->main_space ? " " : NULL);
	}
	jb_kint(j, "LangKey", bad == BAD_LANGKEY ? 3 : lang);
}

static int bad_kind(const struct gen_req *g, const struct forecast *f)
{
	if (g->bad_rate <= 0.0)
		return BAD_NONE;
	uint64_t h = sim_hash4(g->seed, (uint64_t)g->region, (uint64_t)g->lang,
			       (uint64_t)(int64_t)f->day);
	if (sim_unit(hs(h, S_BAD)) >= g->bad_rate)
		return BAD_NONE;
	long k = ((long)f->day + g->region + g->lang) % BAD_NKINDS;
	if (k < 0)
		k += BAD_NKINDS;
	/* no problem to break: break LangKey instead */
	if (k == BAD_EXPOSITIONS && !(g->detail && f->real && f->nprob > 0))
		k = BAD_LANGKEY;
	return (int)k;
}

long gen_warnings(struct jbuf *j, const struct gen_req *g, long *nbad)
{
	const struct sim_region *r = region_get(g->region);
	long n = 0;
	*nbad = 0;
	jb_arr(j);
	for (int i = 0; r && i < g->ndays; i++) {
		struct forecast f;
		build(&f, g, r, g->start + i);
		int bad = bad_kind(g, &f);
		if (bad != BAD_NONE)
			(*nbad)++;
		bool drifted =
			g->ndrift > 0 &&
			(g->drift_rate >= 1.0 ||
			 sim_unit(hs(sim_hash4(g->seed, (uint64_t)g->region,
					       (uint64_t)g->lang,
					       (uint64_t)(int64_t)f.day),
				     S_DRIFT)) < g->drift_rate);
		jb_obj(j);
		j->drift = drifted ? g->drift : NULL;
		j->ndrift = drifted ? g->ndrift : 0;
		if (g->unknown)
			jb_kraw(j, "NewField2027", "{\"x\":[1,2]}");
		if (g->detail)
			emit_detail(j, &f, g, g->lang, bad);
		emit_simple(j, &f, g->lang, bad);
		if (g->unknown) {
			jb_kraw(j, "FutureFlag2027", "true");
			jb_kstr(j, "FutureText2027", "ny verdi");
			jb_knull(j, "FutureNullable2027");
		}
		for (int k = 0; k < j->ndrift; k++)
			if (j->drift[k].op == DR_ADD)
				jb_kstr(j, j->drift[k].key, "drift");
		j->drift = NULL;
		j->ndrift = 0;
		jb_obj_end(j);
		n++;
	}
	jb_arr_end(j);
	return n;
}

void gen_regions(struct jbuf *j, int type)
{
	jb_arr(j);
	for (int i = 0; i < SIM_NREGIONS; i++) {
		const struct sim_region *r = region_at(i);
		int tid = r->type == 'A' ? 10 : 20;
		if (type && type != tid)
			continue;
		jb_obj(j);
		jb_kint(j, "Id", r->id);
		jb_kstr(j, "Name", r->name);
		jb_kint(j, "TypeId", tid);
		jb_kstr(j, "TypeName", r->type == 'A' ? "A" : "B");
		jb_kstr(j, "ValidFrom", "2016-11-01T00:00:00");
		jb_kstr(j, "ValidTo", "9999-12-31T23:59:59");
		jb_obj_end(j);
	}
	jb_arr_end(j);
}
