/*
 * regions.c - the 46 forecast regions (from ../shared/varsom/regions.tsv)
 * with the counties and municipalities the Detail endpoint lists, and
 * their UTM zone 33 coordinates (computed from the centre at start-up).
 */
#include "sim.h"

#include <math.h>
#include <stddef.h>

#define N(a) (int)(sizeof(a) / sizeof((a)[0]))

static const struct sim_place c_svalbard[] = {{"21", "Svalbard"}};
static const struct sim_place c_tf[] = {{"54", "Troms og Finnmark"}};
static const struct sim_place c_nordland[] = {{"18", "Nordland"}};
static const struct sim_place c_trond[] = {{"50", "Trøndelag"}};
static const struct sim_place c_mr[] = {{"15", "Møre og Romsdal"}};
static const struct sim_place c_mr_tr[] = {{"15", "Møre og Romsdal"},
					   {"50", "Trøndelag"}};
static const struct sim_place c_inn[] = {{"34", "Innlandet"}};
static const struct sim_place c_vl[] = {{"46", "Vestland"}};
static const struct sim_place c_inn_vl[] = {{"34", "Innlandet"},
					    {"46", "Vestland"}};
static const struct sim_place c_viken_vl[] = {{"30", "Viken"},
					      {"46", "Vestland"}};
static const struct sim_place c_vt[] = {{"38", "Vestfold og Telemark"}};
static const struct sim_place c_rog[] = {{"11", "Rogaland"}};
static const struct sim_place c_rog_agd[] = {{"11", "Rogaland"},
					     {"42", "Agder"}};
static const struct sim_place c_agder[] = {{"42", "Agder"}};
static const struct sim_place c_viken[] = {{"30", "Viken"}};
static const struct sim_place c_oslo[] = {{"03", "Oslo"}};

static const struct sim_place m_svalbard[] = {{"2100", "Svalbard"}};
static const struct sim_place m_3005[] = {
	{"5444", "Sør-Varanger"}, {"5405", "Vadsø"}, {"5404", "Vardø"},
	{"5442", "Nesseby"},      {"5441", "Tana"},  {"5443", "Båtsfjord"}};
static const struct sim_place m_3006[] = {
	{"5406", "Hammerfest"}, {"5434", "Måsøy"},  {"5435", "Nordkapp"},
	{"5438", "Lebesby"},    {"5439", "Gamvik"}, {"5440", "Berlevåg"}};
static const struct sim_place m_3007[] = {{"5403", "Alta"},
					  {"5432", "Loppa"},
					  {"5433", "Hasvik"},
					  {"5406", "Hammerfest"},
					  {"5429", "Kvænangen"}};
static const struct sim_place m_3008[] = {{"5430", "Kautokeino"},
					  {"5437", "Karasjok"},
					  {"5436", "Porsanger"},
					  {"5403", "Alta"}};
static const struct sim_place m_3009[] = {{"5428", "Nordreisa"},
					  {"5427", "Skjervøy"},
					  {"5429", "Kvænangen"},
					  {"5426", "Kåfjord"}};
static const struct sim_place m_3010[] = {{"5424", "Lyngen"},
					  {"5425", "Storfjord"},
					  {"5426", "Kåfjord"},
					  {"5401", "Tromsø"}};
static const struct sim_place m_3011[] = {{"5401", "Tromsø"},
					  {"5423", "Karlsøy"},
					  {"5422", "Balsfjord"}};
static const struct sim_place m_3012[] = {
	{"5402", "Harstad"}, {"5411", "Kvæfjord"},  {"5412", "Tjeldsund"},
	{"5413", "Ibestad"}, {"5414", "Gratangen"}, {"5421", "Senja"}};
static const struct sim_place m_3013[] = {
	{"5416", "Bardu"},     {"5418", "Målselv"},  {"5422", "Balsfjord"},
	{"5425", "Storfjord"}, {"5415", "Lavangen"}, {"5417", "Salangen"}};
static const struct sim_place m_3014[] = {
	{"1865", "Vågan"},    {"1860", "Vestvågøy"}, {"1859", "Flakstad"},
	{"1874", "Moskenes"}, {"1866", "Hadsel"},    {"1870", "Sortland"},
	{"1868", "Øksnes"},   {"1867", "Bø"},        {"1871", "Andøy"}};
static const struct sim_place m_3015[] = {{"1806", "Narvik"},
					  {"1853", "Evenes"},
					  {"1851", "Lødingen"},
					  {"1875", "Hamarøy"}};
static const struct sim_place m_3016[] = {
	{"1804", "Bodø"},     {"1841", "Fauske"},  {"1840", "Saltdal"},
	{"1845", "Sørfold"},  {"1848", "Steigen"}, {"1839", "Beiarn"},
	{"1838", "Gildeskål"}};
static const struct sim_place m_3017[] = {{"1833", "Rana"},
					  {"1837", "Meløy"},
					  {"1836", "Rødøy"},
					  {"1834", "Lurøy"},
					  {"1839", "Beiarn"}};
static const struct sim_place m_3018[] = {
	{"1824", "Vefsn"},     {"1832", "Hemnes"}, {"1826", "Hattfjelldal"},
	{"1825", "Grane"},     {"1828", "Nesna"},  {"1822", "Leirfjord"},
	{"1820", "Alstahaug"}, {"1813", "Brønnøy"}};
static const struct sim_place m_3019[] = {
	{"5006", "Steinkjer"}, {"5007", "Namsos"},  {"5038", "Verdal"},
	{"5042", "Lierne"},    {"5043", "Røyrvik"}, {"5044", "Namsskogan"},
	{"5045", "Grong"},     {"5041", "Snåsa"}};
static const struct sim_place m_3020[] = {
	{"5001", "Trondheim"},     {"5025", "Røros"}, {"5026", "Holtålen"},
	{"5032", "Selbu"},         {"5033", "Tydal"}, {"5034", "Meråker"},
	{"5027", "Midtre Gauldal"}};
static const struct sim_place m_3021[] = {
	{"1505", "Kristiansund"}, {"1576", "Aure"},  {"1573", "Smøla"},
	{"1554", "Averøy"},       {"5056", "Hitra"}, {"5014", "Frøya"}};
static const struct sim_place m_3022[] = {
	{"1563", "Sunndal"}, {"1566", "Surnadal"}, {"5061", "Rindal"},
	{"5021", "Oppdal"},  {"5022", "Rennebu"},  {"5059", "Orkland"}};
static const struct sim_place m_3023[] = {{"1506", "Molde"},
					  {"1539", "Rauma"},
					  {"1535", "Vestnes"},
					  {"1557", "Gjemnes"},
					  {"1560", "Tingvoll"}};
static const struct sim_place m_3024[] = {
	{"1520", "Ørsta"},     {"1577", "Volda"}, {"1525", "Stranda"},
	{"1528", "Sykkylven"}, {"1578", "Fjord"}, {"1507", "Ålesund"},
	{"1511", "Vanylven"}};
static const struct sim_place m_3025[] = {
	{"3432", "Lesja"}, {"3431", "Dovre"}, {"3433", "Skjåk"},
	{"3435", "Vågå"},  {"3437", "Sel"},   {"3429", "Folldal"}};
static const struct sim_place m_3026[] = {{"4602", "Kinn"},
					  {"4648", "Bremanger"},
					  {"4649", "Stad"},
					  {"4645", "Askvoll"},
					  {"4636", "Solund"}};
static const struct sim_place m_3027[] = {{"4651", "Stryn"},
					  {"4650", "Gloppen"},
					  {"4647", "Sunnfjord"},
					  {"4649", "Stad"}};
static const struct sim_place m_3028[] = {
	{"3434", "Lom"},   {"3454", "Vang"},   {"3435", "Vågå"},
	{"3433", "Skjåk"}, {"4644", "Luster"}, {"4643", "Årdal"}};
static const struct sim_place m_3029[] = {
	{"4640", "Sogndal"}, {"4641", "Aurland"}, {"4642", "Lærdal"},
	{"4643", "Årdal"},   {"4644", "Luster"},  {"4639", "Vik"}};
static const struct sim_place m_3030[] = {{"4635", "Gulen"},
					  {"4636", "Solund"},
					  {"4637", "Hyllestad"},
					  {"4638", "Høyanger"},
					  {"4646", "Fjaler"}};
static const struct sim_place m_3031[] = {{"4621", "Voss"},
					  {"4628", "Vaksdal"},
					  {"4629", "Modalen"},
					  {"4622", "Kvam"},
					  {"4620", "Ulvik"}};
static const struct sim_place m_3032[] = {
	{"3044", "Hol"}, {"3043", "Ål"},      {"3042", "Hemsedal"},
	{"3041", "Gol"}, {"3040", "Nesbyen"}, {"4641", "Aurland"}};
static const struct sim_place m_3033[] = {
	{"4601", "Bergen"}, {"4626", "Øygarden"},      {"4627", "Askøy"},
	{"4631", "Alver"},  {"4624", "Bjørnafjorden"}, {"4613", "Bømlo"},
	{"4614", "Stord"}};
static const struct sim_place m_3034[] = {{"4618", "Ullensvang"},
					  {"4619", "Eidfjord"},
					  {"4617", "Kvinnherad"},
					  {"4622", "Kvam"},
					  {"4611", "Etne"}};
static const struct sim_place m_3035[] = {{"3825", "Vinje"},
					  {"3824", "Tokke"},
					  {"3818", "Tinn"},
					  {"3823", "Fyresdal"},
					  {"3819", "Hjartdal"}};
static const struct sim_place m_3036[] = {
	{"1103", "Stavanger"}, {"1108", "Sandnes"},   {"1101", "Eigersund"},
	{"1149", "Karmøy"},    {"1106", "Haugesund"}, {"1119", "Hå"}};
static const struct sim_place m_3037[] = {
	{"4228", "Sirdal"}, {"4222", "Bykle"},      {"4221", "Valle"},
	{"1134", "Suldal"}, {"1133", "Hjelmeland"}, {"1135", "Sauda"},
	{"4224", "Åseral"}};
static const struct sim_place m_3038[] = {{"4204", "Kristiansand"},
					  {"4203", "Arendal"},
					  {"4202", "Grimstad"},
					  {"4205", "Lindesnes"},
					  {"4207", "Flekkefjord"},
					  {"4223", "Vennesla"}};
static const struct sim_place m_3039[] = {
	{"3807", "Skien"}, {"3806", "Porsgrunn"}, {"3815", "Drangedal"},
	{"3816", "Nome"},  {"3814", "Kragerø"},   {"3808", "Notodden"}};
static const struct sim_place m_3040[] = {
	{"3803", "Tønsberg"}, {"3804", "Sandefjord"},  {"3805", "Larvik"},
	{"3801", "Horten"},   {"3802", "Holmestrand"}, {"3811", "Færder"}};
static const struct sim_place m_3041[] = {
	{"3005", "Drammen"}, {"3006", "Kongsberg"}, {"3007", "Ringerike"},
	{"3047", "Modum"},   {"3049", "Lier"},      {"3048", "Øvre Eiker"}};
static const struct sim_place m_3042[] = {{"3405", "Lillehammer"},
					  {"3407", "Gjøvik"},
					  {"3441", "Gausdal"},
					  {"3446", "Gran"},
					  {"3451", "Nord-Aurdal"},
					  {"3443", "Vestre Toten"}};
static const struct sim_place m_3043[] = {
	{"3403", "Hamar"},  {"3420", "Elverum"},  {"3421", "Trysil"},
	{"3427", "Tynset"}, {"3424", "Rendalen"}, {"3425", "Engerdal"}};
static const struct sim_place m_3044[] = {{"3030", "Lillestrøm"},
					  {"3033", "Ullensaker"},
					  {"3024", "Bærum"},
					  {"3025", "Asker"},
					  {"3035", "Eidsvoll"},
					  {"3020", "Nordre Follo"}};
static const struct sim_place m_3045[] = {{"0301", "Oslo"}};
static const struct sim_place m_3046[] = {{"3004", "Fredrikstad"},
					  {"3003", "Sarpsborg"},
					  {"3001", "Halden"},
					  {"3002", "Moss"},
					  {"3014", "Indre Østfold"}};

#define R(id, name, type, lat, lon, c, m)                                      \
	{                                                                      \
		id, name, type, lat, lon, c, N(c), m, N(m)                     \
	}

/* id, name, type and centre as in regions.tsv */
static const struct sim_region regions[SIM_NREGIONS] = {
	R(3001, "Svalbard øst", 'B', 79.123, 23.587, c_svalbard, m_svalbard),
	R(3002, "Svalbard vest", 'B', 78.949, 12.514, c_svalbard, m_svalbard),
	R(3003, "Nordenskiöld Land", 'A', 78.069, 15.930, c_svalbard,
	  m_svalbard),
	R(3004, "Svalbard sør", 'B', 77.080, 16.086, c_svalbard, m_svalbard),
	R(3005, "Øst-Finnmark", 'B', 70.169, 29.207, c_tf, m_3005),
	R(3006, "Finnmarkskysten", 'A', 70.645, 25.951, c_tf, m_3006),
	R(3007, "Vest-Finnmark", 'A', 70.363, 23.014, c_tf, m_3007),
	R(3008, "Finnmarksvidda", 'B', 69.234, 24.127, c_tf, m_3008),
	R(3009, "Nord-Troms", 'A', 69.601, 21.297, c_tf, m_3009),
	R(3010, "Lyngen", 'A', 69.585, 19.805, c_tf, m_3010),
	R(3011, "Tromsø", 'A', 69.920, 19.038, c_tf, m_3011),
	R(3012, "Sør-Troms", 'A', 69.042, 17.294, c_tf, m_3012),
	R(3013, "Indre Troms", 'A', 68.881, 19.175, c_tf, m_3013),
	R(3014, "Lofoten og Vesterålen", 'A', 68.424, 14.511, c_nordland,
	  m_3014),
	R(3015, "Ofoten", 'A', 68.184, 16.737, c_nordland, m_3015),
	R(3016, "Salten", 'A', 67.409, 15.184, c_nordland, m_3016),
	R(3017, "Svartisen", 'A', 66.641, 13.866, c_nordland, m_3017),
	R(3018, "Helgeland", 'A', 65.657, 12.954, c_nordland, m_3018),
	R(3019, "Nord-Trøndelag", 'B', 64.358, 12.009, c_trond, m_3019),
	R(3020, "Sør-Trøndelag", 'B', 63.462, 10.228, c_trond, m_3020),
	R(3021, "Ytre Nordmøre", 'B', 63.262, 8.134, c_mr_tr, m_3021),
	R(3022, "Trollheimen", 'A', 62.756, 9.203, c_mr_tr, m_3022),
	R(3023, "Romsdal", 'A', 62.691, 7.453, c_mr, m_3023),
	R(3024, "Sunnmøre", 'A', 62.312, 6.394, c_mr, m_3024),
	R(3025, "Nord-Gudbrandsdalen", 'B', 62.047, 8.897, c_inn, m_3025),
	R(3026, "Ytre Fjordane", 'B', 61.679, 5.065, c_vl, m_3026),
	R(3027, "Indre Fjordane", 'A', 61.651, 6.331, c_vl, m_3027),
	R(3028, "Jotunheimen", 'A', 61.544, 8.360, c_inn_vl, m_3028),
	R(3029, "Indre Sogn", 'A', 61.246, 7.312, c_vl, m_3029),
	R(3030, "Ytre Sogn", 'B', 61.062, 4.927, c_vl, m_3030),
	R(3031, "Voss", 'A', 60.728, 6.246, c_vl, m_3031),
	R(3032, "Hallingdal", 'A', 60.691, 8.316, c_viken_vl, m_3032),
	R(3033, "Hordalandskysten", 'B', 60.188, 5.229, c_vl, m_3033),
	R(3034, "Hardanger", 'A', 60.121, 6.796, c_vl, m_3034),
	R(3035, "Vest-Telemark", 'A', 59.745, 8.002, c_vt, m_3035),
	R(3036, "Rogalandskysten", 'B', 58.975, 5.696, c_rog, m_3036),
	R(3037, "Heiane", 'A', 59.078, 6.766, c_rog_agd, m_3037),
	R(3038, "Agder sør", 'B', 58.452, 7.871, c_agder, m_3038),
	R(3039, "Telemark sør", 'B', 59.246, 8.914, c_vt, m_3039),
	R(3040, "Vestfold", 'B', 59.265, 10.198, c_vt, m_3040),
	R(3041, "Buskerud sør", 'B', 60.122, 9.433, c_viken, m_3041),
	R(3042, "Oppland sør", 'B', 61.044, 9.982, c_inn, m_3042),
	R(3043, "Hedmark", 'B', 61.454, 11.414, c_inn, m_3043),
	R(3044, "Akershus", 'B', 60.009, 11.146, c_viken, m_3044),
	R(3045, "Oslo", 'B', 59.975, 10.739, c_oslo, m_3045),
	R(3046, "Østfold", 'B', 59.340, 11.240, c_viken, m_3046),
};

static int utm_east[SIM_NREGIONS], utm_north[SIM_NREGIONS];

/* Transverse Mercator on GRS80, central meridian 15°E (EUREF89 UTM 33),
 * the series of Snyder, "Map Projections - A Working Manual", p. 61. */
static void utm33(double lat_deg, double lon_deg, double *e, double *n)
{
	const double a = 6378137.0, f = 1.0 / 298.257222101, k0 = 0.9996;
	const double e2 = f * (2 - f), ep2 = e2 / (1 - e2);
	double lat = lat_deg * M_PI / 180.0;
	double dlon = (lon_deg - 15.0) * M_PI / 180.0;
	double s = sin(lat), c = cos(lat), t = tan(lat);
	double nu = a / sqrt(1 - e2 * s * s);
	double T = t * t, C = ep2 * c * c, A = c * dlon;
	double M = a *
		   ((1 - e2 / 4 - 3 * e2 * e2 / 64 - 5 * e2 * e2 * e2 / 256) *
			    lat -
		    (3 * e2 / 8 + 3 * e2 * e2 / 32 + 45 * e2 * e2 * e2 / 1024) *
			    sin(2 * lat) +
		    (15 * e2 * e2 / 256 + 45 * e2 * e2 * e2 / 1024) *
			    sin(4 * lat) -
		    (35 * e2 * e2 * e2 / 3072) * sin(6 * lat));
	*e = 500000.0 + k0 * nu *
				(A + (1 - T + C) * pow(A, 3) / 6 +
				 (5 - 18 * T + T * T + 72 * C - 58 * ep2) *
					 pow(A, 5) / 120);
	*n = k0 * (M + nu * t *
			       (A * A / 2 +
				(5 - T + 9 * C + 4 * C * C) * pow(A, 4) / 24 +
				(61 - 58 * T + T * T + 600 * C - 330 * ep2) *
					pow(A, 6) / 720));
}

void regions_init(void)
{
	for (int i = 0; i < SIM_NREGIONS; i++) {
		double e, n;
		utm33(regions[i].lat, regions[i].lon, &e, &n);
		utm_east[i] = (int)lround(e / 10.0) * 10;
		utm_north[i] = (int)lround(n / 10.0) * 10;
	}
}

const struct sim_region *region_get(int id)
{
	if (id < 3001 || id > 3000 + SIM_NREGIONS)
		return NULL;
	return &regions[id - 3001];
}

const struct sim_region *region_at(int idx)
{
	return idx >= 0 && idx < SIM_NREGIONS ? &regions[idx] : NULL;
}

void region_utm(const struct sim_region *r, int *east, int *north)
{
	ptrdiff_t i = r - regions;
	*east = utm_east[i];
	*north = utm_north[i];
}
