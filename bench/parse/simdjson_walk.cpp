// simdjson_walk.cpp - the simdjson (DOM) column of bench/parse_bench: parse
// each warning and touch every value, behind a C interface (nothing of
// simdjson reaches the C side). Exceptions off: the error-code API only.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace {

std::vector<simdjson::padded_string> docs;
simdjson::dom::parser parser;

void walk(simdjson::dom::element e, uint64_t *sum)
{
	simdjson::dom::object obj;
	simdjson::dom::array arr;
	std::string_view str;
	int64_t i;
	uint64_t u;
	double d;
	bool b;
	switch (e.type()) {
	case simdjson::dom::element_type::OBJECT:
		if (e.get_object().get(obj) == simdjson::SUCCESS)
			for (auto field : obj) {
				*sum += field.key.size();
				walk(field.value, sum);
			}
		break;
	case simdjson::dom::element_type::ARRAY:
		if (e.get_array().get(arr) == simdjson::SUCCESS)
			for (auto v : arr)
				walk(v, sum);
		break;
	case simdjson::dom::element_type::STRING:
		if (e.get_string().get(str) == simdjson::SUCCESS)
			*sum += str.size();
		break;
	case simdjson::dom::element_type::INT64:
		if (e.get_int64().get(i) == simdjson::SUCCESS)
			*sum += static_cast<uint64_t>(i) & 0xff;
		break;
	case simdjson::dom::element_type::UINT64:
		if (e.get_uint64().get(u) == simdjson::SUCCESS)
			*sum += u & 0xff;
		break;
	case simdjson::dom::element_type::DOUBLE:
		if (e.get_double().get(d) == simdjson::SUCCESS)
			*sum += d != 0.0 ? 1 : 0;
		break;
	case simdjson::dom::element_type::BOOL:
		if (e.get_bool().get(b) == simdjson::SUCCESS)
			*sum += b ? 1 : 0;
		break;
	case simdjson::dom::element_type::NULL_VALUE:
		break;
	}
	*sum += 1;
}

} // namespace

extern "C" void bench_simdjson_load(const char *const *text,
				    const size_t *len, size_t n)
{
	docs.clear();
	docs.reserve(n);
	for (size_t i = 0; i < n; i++)
		docs.emplace_back(text[i], len[i]);
}

// Parse document i and walk it; false when simdjson rejects it.
extern "C" bool bench_simdjson_parse(size_t i, uint64_t *sum)
{
	simdjson::dom::element root;
	if (parser.parse(docs[i]).get(root) != simdjson::SUCCESS)
		return false;
	walk(root, sum);
	return true;
}

extern "C" const char *bench_simdjson_impl(void)
{
	return simdjson::get_active_implementation()->name().data();
}
