/*
 * texts.c - the code lists of API.md §5.2/§5.3 with Norwegian and English
 * names, and the Norwegian prose the generated warnings are built from.
 * Sentences are written for the simulator; they only need to look real.
 */
#include "texts.h"

#include <stddef.h>

#define N(a) (int)(sizeof(a) / sizeof((a)[0]))
#define POOL(a)                                                                \
	{                                                                      \
		a, N(a)                                                        \
	}

const struct sim_ptype txt_ptypes[TXT_NPTYPES] = {
	[TXT_PT_NEW_LOOSE] =
		{3,
		 "Nysnø (løssnøskred)",
		 "New snow (loose snow avalanches)",
		 10,
		 20,
		 {24, 10},
		 2,
		 false,
		 {"Nysnø kan gi løssnøskred i bratt terreng.",
		  "Ferske snømengder gir fare for løssnøskred i bratte heng."},
		 {"New snow may cause loose snow avalanches in steep terrain.",
		  "Fresh snow gives a risk of loose snow avalanches on steep "
		  "slopes."},
		 {2, 1, 11}},
	[TXT_PT_WET_LOOSE] =
		{5,
		 "Våt snø (løssnøskred)",
		 "Wet snow (loose snow avalanches)",
		 15,
		 20,
		 {22, 24},
		 2,
		 true,
		 {"Oppvarming og sol gir våte løssnøskred utover dagen.",
		  "Regn på snø gir fare for våte løssnøskred."},
		 {"Warming and sun will cause wet loose snow avalanches during "
		  "the day.",
		  "Rain on snow gives a risk of wet loose snow avalanches."},
		 {6, 10, 1}},
	[TXT_PT_NEW_SLAB] =
		{7,
		 "Nysnø (flakskred)",
		 "New snow (slab avalanches)",
		 20,
		 10,
		 {10, 14},
		 2,
		 false,
		 {"Mye nysnø gir fare for flakskred, vær varsom i bratte heng.",
		  "Nysnøen binder dårlig til underlaget og kan løses ut av "
		  "skiløpere."},
		 {"A lot of new snow gives a risk of slab avalanches, be "
		  "careful "
		  "on steep slopes.",
		  "The new snow bonds poorly to the old surface and can be "
		  "triggered by skiers."},
		 {2, 3, 9}},
	[TXT_PT_WIND_SLAB] = {10,
			      "Fokksnø (flakskred)",
			      "Wind drifted snow (slab avalanches)",
			      20,
			      10,
			      {15, 10, 14},
			      3,
			      false,
			      {"Ferske fokksnøflak i le for vinden kan lett "
			       "løses ut.",
			       "Vær varsom der det ligger fokksnø, særlig i "
			       "leheng og renner."},
			      {"Fresh wind slabs in lee areas can easily be "
			       "triggered.",
			       "Be careful where wind-drifted snow has "
			       "accumulated, especially "
			       "on lee slopes and in gullies."},
			      {0, 7, 8}},
	[TXT_PT_PWL] = {30,
			"Vedvarende svakt lag (flakskred)",
			"Persistent weak layer (slab avalanches)",
			20,
			10,
			{13, 16, 18, 11},
			4,
			false,
			{"Vedvarende svakt lag i snødekket gir fare for store "
			 "flakskred.",
			 "Det svake laget kan fortsatt løses ut, særlig der "
			 "snødekket er "
			 "tynt."},
			{"A persistent weak layer in the snowpack gives a risk "
			 "of large "
			 "slab avalanches.",
			 "The weak layer can still be triggered, especially "
			 "where the "
			 "snowpack is thin."},
			{4, 3, 1}},
	[TXT_PT_WET_SLAB] =
		{45,
		 "Våt snø (flakskred)",
		 "Wet snow (slab avalanches)",
		 25,
		 10,
		 {22, 20},
		 2,
		 true,
		 {"Mye vann i snødekket gir fare for våte flakskred.",
		  "Regn og mildvær svekker snødekket, og våte flakskred kan "
		  "løsne."},
		 {"A lot of water in the snowpack gives a risk of wet slab "
		  "avalanches.",
		  "Rain and mild weather weaken the snowpack, and wet slab "
		  "avalanches may release."},
		 {10, 6, 1}},
	[TXT_PT_GLIDE] = {50,
			  "Glideskred",
			  "Gliding snow (glide avalanches)",
			  27,
			  10,
			  {20},
			  1,
			  true,
			  {"Glideskred kan løsne når som helst på døgnet, "
			   "unngå å oppholde "
			   "deg under glidesprekker.",
			   "Glidesprekker har åpnet seg i bratte heng med "
			   "glatt underlag."},
			  {"Glide avalanches can release at any time of day, "
			   "avoid "
			   "spending time below glide cracks.",
			   "Glide cracks have opened on steep slopes with "
			   "smooth ground."},
			  {5, 1, 11}},
};

const struct sim_advice txt_advices[] = {
	{1, "Unngå ferdsel i og under bratte heng med fokksnø. ",
	 "Avoid travelling in and below steep slopes with wind-drifted snow. "},
	{2,
	 "Unngå terrengfeller der selv små skred kan få store konsekvenser. ",
	 "Avoid terrain traps where even small avalanches can have serious "
	 "consequences. "},
	{3, "Hold god avstand til bratte heng med mye nysnø. ",
	 "Keep a good distance from steep slopes with a lot of new snow. "},
	{4,
	 "Vær obs på at skred kan løses ut fra slakere terreng ved siden av "
	 "brattere heng. ",
	 "Be aware that avalanches can be triggered from gentler terrain next "
	 "to steeper slopes. "},
	{5,
	 "Unngå områder med tynt snødekke der det svake laget er lett å "
	 "løse ut. ",
	 "Avoid areas with a thin snowpack where the weak layer is easy to "
	 "trigger. "},
	{6, "Unngå å oppholde deg under glidesprekker. ",
	 "Avoid spending time below glide cracks. "},
	{7,
	 "Planlegg turen slik at du er ute av bratte solhellinger før snøen "
	 "blir våt. ",
	 "Plan your trip so that you are off steep sunny slopes before the "
	 "snow gets wet. "},
	{8, "Vær forsiktig i overgangen til bratt terreng og i renner. ",
	 "Be careful when entering steep terrain and gullies. "},
	{9,
	 "Hold avstand til skavler, de kan brekke langt bak der du "
	 "forventer. ",
	 "Keep your distance from cornices, they can break further back than "
	 "you expect. "},
	{10, "Ferdes en og en i bratte heng og hold god avstand. ",
	 "Travel one at a time on steep slopes and keep a good distance. "},
	{11, "Unngå bratte heng der snøen er våt og tung. ",
	 "Avoid steep slopes where the snow is wet and heavy. "},
	{12, "Vurder skredfaren i hvert enkelt heng før du ferdes der. ",
	 "Assess the avalanche danger on each slope before travelling there. "},
};
const int txt_nadvices = N(txt_advices);

static const struct sim_code unknown_code = {0, "?", "?", "?", "?"};

static const struct sim_code *find(const struct sim_code *t, int n, int id)
{
	for (int i = 0; i < n; i++)
		if (t[i].id == id)
			return &t[i];
	return &unknown_code;
}

static const struct sim_code ext_codes[] = {
	{10, "Tørre løssnøskred", "Dry loose snow avalanche", NULL, NULL},
	{15, "Våte løssnøskred", "Wet loose snow avalanche", NULL, NULL},
	{20, "Tørre flakskred", "Dry slab avalanche", NULL, NULL},
	{25, "Våte flakskred", "Wet slab avalanche", NULL, NULL},
	{27, "Glideskred", "Glide avalanche", NULL, NULL},
	{30, "Sørpeskred", "Slush flow", NULL, NULL},
	{40, "Skavlbrudd", "Cornice", NULL, NULL},
};

static const struct sim_code cause_codes[] = {
	{10, "Nedføyket svakt lag med nysnø", "Buried weak layer of new snow",
	 NULL, NULL},
	{11, "Nedsnødd eller nedføyket overflaterim",
	 "Buried weak layer of surface hoar", NULL, NULL},
	{13, "Nedsnødd eller nedføyket kantkornet snø",
	 "Buried weak layer of faceted snow", NULL, NULL},
	{14, "Dårlig binding mellom glatt skare og overliggende snø",
	 "Poor bonding between crust and overlying snow", NULL, NULL},
	{15, "Dårlig binding mellom lag i fokksnøen",
	 "Poor bonding between layers in wind deposited snow", NULL, NULL},
	{16, "Kantkornet snø ved bakken", "Weak basal layer", NULL, NULL},
	{18, "Kantkornet snø over skarelag", "Faceted snow above a crust", NULL,
	 NULL},
	{19, "Kantkornet snø under skarelag", "Faceted snow below a crust",
	 NULL, NULL},
	{20, "Vann ved bakken/smelting fra bakken",
	 "Water pooling at the ground/melting from the ground", NULL, NULL},
	{22, "Opphopning av vann i/over lag i snødekket",
	 "Water pooling in or above snow layers", NULL, NULL},
	{24, "Ubunden snø", "Loose snow", NULL, NULL},
};

static const struct sim_code avtype_codes[] = {
	{10, "Flakskred", "Slab avalanche", NULL, NULL},
	{20, "Løssnøskred", "Loose snow avalanche", NULL, NULL},
};

static const struct sim_code probability_codes[] = {
	{2, "Lite sannsynlig", "Unlikely", NULL, NULL},
	{3, "Mulig", "Possible", NULL, NULL},
	{5, "Sannsynlig", "Likely", NULL, NULL},
	{7, "Meget sannsynlig", "Very likely", NULL, NULL},
};

static const struct sim_code trigger_codes[] = {
	{10, "Stor tilleggsbelastning", "High additional load", NULL, NULL},
	{21, "Liten tilleggsbelastning", "Easy to trigger", NULL, NULL},
	{22, "Naturlig utløst", "Spontaneous release", NULL, NULL},
};

/* x*: the opening of the generated TriggerSenitivity... sentence */
static const struct sim_code sensitivity_codes[] = {
	{10, "Svært vanskelig å løse ut", "Very difficult to trigger",
	 "Det er svært vanskelig å løse ut skred",
	 "It is very difficult to trigger avalanches"},
	{20, "Vanskelig å løse ut", "Difficult to trigger",
	 "Det er vanskelig å løse ut skred",
	 "It is difficult to trigger avalanches"},
	{30, "Lett å løse ut", "Easy to trigger", "Det er lett å løse ut skred",
	 "You can easily trigger avalanches"},
	{40, "Svært lett å løse ut", "Very easy to trigger",
	 "Det er svært lett å løse ut skred",
	 "You can very easily trigger avalanches"},
	{45, "Naturlig utløst", "Spontaneous", "Skred kan løsne naturlig",
	 "Avalanches can release naturally"},
};

static const struct sim_code size_codes[] = {
	{1, "1 - Små", "1 - Small", "Skredene kan bli små.",
	 "The avalanches can be small."},
	{2, "2 - Middels", "2 - Medium", "Skredene kan bli middels store.",
	 "The avalanches can be medium-sized."},
	{3, "3 - Store", "3 - Large", "Skredene kan bli store.",
	 "The avalanches can be large."},
	{4, "4 - Svært store", "4 - Very large",
	 "Skredene kan bli svært store.", "The avalanches can be very large."},
	{5, "5 - Ekstremt store", "5 - Extremely large",
	 "Skredene kan bli ekstremt store.",
	 "The avalanches can be extremely large."},
};

static const struct sim_code propagation_codes[] = {
	{1, "Få bratte heng", "Few steep slopes", "i få bratte heng",
	 "on a few steep slopes"},
	{2, "Noen bratte heng", "Some steep slopes", "i noen bratte heng",
	 "on some steep slopes"},
	{3, "Mange bratte heng", "Many steep slopes", "i mange bratte heng",
	 "on many steep slopes"},
};

static const struct sim_code cloud_codes[] = {
	{10, "Skyfritt", "Clear", NULL, NULL},
	{20, "Delvis skyet", "Partly cloudy", NULL, NULL},
	{30, "Skyet", "Cloudy", NULL, NULL},
};

static const struct sim_code mtype_codes[] = {
	{10, "Nedbør", "Rainfall", NULL, NULL},
	{20, "Vind", "Wind", NULL, NULL},
	{30, "Vindendring til", "Wind shift to", NULL, NULL},
	{40, "Temperatur", "Temperature", NULL, NULL},
	{50, "Nullgradersgrense", "Freezing Level", NULL, NULL},
	{55, "Regn/snø-grense", "Rain/Snow Line Altitude", NULL, NULL},
};

static const struct sim_code msubtype_codes[] = {
	{20, "Styrke", "Speed", NULL, NULL},
	{30, "Min", "Min", NULL, NULL},
	{40, "Maks", "Max", NULL, NULL},
	{50, "Retning", "Direction", NULL, NULL},
	{60, "Mest utsatte område", "Most exposed area", NULL, NULL},
	{70, "Gjennomsnitt", "Average", NULL, NULL},
	{90, "moh", "masl", NULL, NULL},
	{100, "Tidsperiode start", "Timeperiode start", NULL, NULL},
	{110, "Tidsperiode slutt", "Timeperiode end", NULL, NULL},
};

const struct sim_code *txt_ext(int id)
{
	return find(ext_codes, N(ext_codes), id);
}

const struct sim_code *txt_cause(int id)
{
	return find(cause_codes, N(cause_codes), id);
}

const struct sim_code *txt_avtype(int id)
{
	return find(avtype_codes, N(avtype_codes), id);
}

const struct sim_code *txt_probability(int id)
{
	return find(probability_codes, N(probability_codes), id);
}

const struct sim_code *txt_trigger(int id)
{
	return find(trigger_codes, N(trigger_codes), id);
}

const struct sim_code *txt_sensitivity(int id)
{
	return find(sensitivity_codes, N(sensitivity_codes), id);
}

const struct sim_code *txt_size(int id)
{
	return find(size_codes, N(size_codes), id);
}

const struct sim_code *txt_propagation(int id)
{
	return find(propagation_codes, N(propagation_codes), id);
}

const struct sim_code *txt_cloud(int id)
{
	return find(cloud_codes, N(cloud_codes), id);
}

const struct sim_code *txt_mtype(int id)
{
	return find(mtype_codes, N(mtype_codes), id);
}

const struct sim_code *txt_msubtype(int id)
{
	return find(msubtype_codes, N(msubtype_codes), id);
}

const char *txt_level_name(int level, int lang)
{
	static const char *const nb[6] = {"0 Ikke vurdert", "1 Liten",
					  "2 Moderat",      "3 Betydelig",
					  "4 Stor",         "5 Meget stor"};
	static const char *const en[6] = {"0 Not assessed", "1 Low",
					  "2 Moderate",     "3 Considerable",
					  "4 High",         "5 Very high"};
	if (level < 0 || level > 5)
		level = 0;
	return lang == 2 ? en[level] : nb[level];
}

const struct sim_code txt_wind[11] = {
	{0, "Stille", "Calm", NULL, NULL},
	{1, "Flau vind", "Light air", NULL, NULL},
	{2, "Svak vind", "Light breeze", NULL, NULL},
	{3, "Lett bris", "Gentle breeze", NULL, NULL},
	{4, "Laber bris", "Moderate breeze", NULL, NULL},
	{5, "Frisk bris", "Fresh breeze", NULL, NULL},
	{6, "Liten kuling", "Strong breeze", NULL, NULL},
	{7, "Stiv kuling", "Moderate gale", NULL, NULL},
	{8, "Sterk kuling", "Fresh gale", NULL, NULL},
	{9, "Liten storm", "Strong gale", NULL, NULL},
	{10, "Full storm", "Storm", NULL, NULL},
};

const struct sim_code txt_dir[8] = {
	{0, "N", "N", "nord", "north"},
	{1, "NØ", "NE", "nordøst", "northeast"},
	{2, "Ø", "E", "øst", "east"},
	{3, "SØ", "SE", "sørøst", "southeast"},
	{4, "S", "S", "sør", "south"},
	{5, "SV", "SW", "sørvest", "southwest"},
	{6, "V", "W", "vest", "west"},
	{7, "NV", "NW", "nordvest", "northwest"},
};

const char *const txt_danger_open[6] = {
	NULL,
	"Generelt stabile forhold, men vær oppmerksom på enkelte utsatte "
	"heng.",
	"Stort sett gode forhold, men enkelte bratte heng krever nøye "
	"vurdering.",
	"Kritiske forhold i mange bratte heng, vis stor forsiktighet og velg "
	"konservativt terreng.",
	"Svært kritiske forhold. Store naturlig utløste skred er sannsynlig, "
	"og ferdsel i skredterreng frarådes.",
	"Ekstreme forhold med mange store og svært store naturlig utløste "
	"skred, også i terreng som sjelden er utsatt.",
};

static const char *const danger_s[] = {
	"Det har kommet 10-20 cm nysnø de siste døgnene, lokalt mer i "
	"høyden.",
	"Kraftig vind fra vest har flyttet på snøen og bygd opp fokksnøflak i "
	"leheng.",
	"Fokksnøen ligger særlig i nordøstvendte og østvendte heng over "
	"skoggrensen.",
	"Det er meldt om flere små naturlig utløste skred i bratt terreng.",
	"Skiløpere kan løse ut skred der fokksnøen er myk og ligger på et "
	"svakt lag.",
	"Det vedvarende svake laget av kantkornet snø ligger 40-80 cm ned i "
	"snødekket.",
	"Bruddforplantningstester gir resultater som tyder på at laget "
	"fortsatt kan løses ut.",
	"Tynne områder i snødekket, som rundt steiner og ved rygger, er mest "
	"utsatt.",
	"Temperaturen stiger utover dagen, og snødekket blir fuktig i "
	"solhellinger.",
	"Regn opp til 800 moh gjør snødekket vått og svakere i lavereliggende "
	"områder.",
	"Glidesprekker er observert i flere bratte fjellsider med glatt "
	"underlag.",
	"Snødekket er generelt godt bundet i skjermede områder og i skogen.",
	"Vi forventer at skredfaren avtar noe i løpet av helgen når snøen "
	"setter seg.",
	"Vurder hvert enkelt heng nøye, og hold god avstand mellom hver "
	"person i gruppa.",
	"Skred kan også løsne i mindre heng, og konsekvensene kan bli "
	"alvorlige i terrengfeller.",
	"Nedbøren kommer som snø over 300-500 moh, og det bygges opp nye "
	"flak i fjellet.",
};

static const char *const surface_s[] = {
	"Vindpakket snø og skare i eksponerte områder, løs snø i skjermet "
	"terreng.",
	"Det ligger 5-15 cm lett nysnø på en hard skare.",
	"Snøoverflaten er preget av vind, med skavler på rygger og fokksnø i "
	"forsenkninger.",
	"Smelteomvandlet snø i solhellinger, som fryser til skare om natta.",
	"Overflaterim er observert i skjermede områder og i dalbunner.",
	"Våt og tung snø under 600 moh etter mildvær.",
	"Tørr og kald snø i høyden, fuktig snø nær havnivå.",
	"Blankis og hard skare på rygger, myk snø i le.",
};

static const char *const weak_s[] = {
	"Kantkornet snø over et skarelag fra januar, 30-60 cm under "
	"overflaten.",
	"Begravd overflaterim er observert i skjermede områder under "
	"skoggrensen.",
	"Svake lag i fokksnøen der nysnøen har lagt seg på hard og glatt "
	"vindpakket snø.",
	"Begerkrystaller ved bakken i områder med tynt snødekke.",
	"Ingen markerte svake lag er observert de siste dagene.",
	"Et tynt lag med kantkornet snø under skaren fra forrige "
	"mildværsperiode.",
	"Løs nysnø ligger dårlig bundet til en glatt smelte-fryseskare.",
};

static const char *const obs_s[] = {
	"Observatører melder om drønn og skytende sprekker i fokksnøen.",
	"Flere små flakskred er observert i nordvendte heng i går.",
	"Stabilitetstester viser brudd i laget med kantkornet snø ved moderat "
	"belastning.",
	"Ingen nye skred er meldt inn de siste to døgnene.",
	"Et middels stort skred ble løst ut av skiløper i et østvendt heng på "
	"ca. 900 moh.",
	"Vi har få observasjoner fra regionen, og usikkerheten er derfor "
	"større enn vanlig.",
	"Våte løssnøskred er observert i sørvendte heng etter kl. 12.",
};

static const char *const activity_s[] = {
	"Enkelte naturlig utløste løssnøskred i bratte solhellinger.",
	"Et stort naturlig utløst flakskred ble observert fra veien i går.",
	"Flere små og middels store flakskred i leheng etter stormen.",
};

static const char *const comment_s[] = {
	".",
	"Kraftig nedbør i ytre strøk, mindre i indre deler av regionen.",
	"Oppholdsvær og stort sett klart utover dagen.",
	"Vinden dreier mot nord og avtar i løpet av ettermiddagen.",
	"Usikkert hvor nedbørsgrensen havner, trolig mellom 400 og 700 moh.",
};

static const char *const authors_s[] = {
	"Snøskredvarslingen", "Ragnhild@NVE",    "Odd-Arne@NVE", "Karsten@NVE",
	"Siri@met",           "Jørgen@obskorps", "Ingrid@NVE",   "Espen@NGI",
};

const struct sim_pool txt_danger = POOL(danger_s);
const struct sim_pool txt_surface = POOL(surface_s);
const struct sim_pool txt_weak = POOL(weak_s);
const struct sim_pool txt_obs = POOL(obs_s);
const struct sim_pool txt_activity = POOL(activity_s);
const struct sim_pool txt_comment = POOL(comment_s);
const struct sim_pool txt_authors = POOL(authors_s);
