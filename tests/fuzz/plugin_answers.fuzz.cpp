// Fuzz target plugin_answers: the host reading a plugin's answer, exactly as the shared-library
// transport does (`plugin_method::codec().decode`: the rc/envelope decision table, then the
// result type of the method). The selector byte picks one of the 36 host -> plugin methods (and
// so the result type) and, with its high bit, a non-zero return code; the rest is the answer.
//
// Checked: only `cpa::call_error` leaves the decoder; a decoded result re-encodes, and decoding
// that text again gives the same text (encode . decode is idempotent).
#include "fuzz_entry.hpp"

#include <cpa/host/client.hpp>

#include <array>
#include <string>

namespace {

namespace pm = cpa::host::plugin_methods;

template <const auto& Method>
void decode_answer(int rc, std::string_view answer) {
    using response = typename std::remove_cvref_t<decltype(Method)>::response_type;
    response decoded{};
    try {
        Method.codec().decode(Method.name, rc, answer, &decoded);
    } catch (const cpa::call_error&) {
        return; // an ordinary failure: logged by the host, never fused
    }
    std::string first;
    try {
        cpa::to_json(decoded, first);
    } catch (const cpa::wire_error&) {
        return; // values Go refuses to encode (e.g. a time outside the years 0-9999)
    }
    auto again = cpa::try_from_json<response>(first);
    if (!again) {
        cpa_fuzz::violated("a re-encoded plugin result does not decode");
    }
    if (cpa::to_json(*again) != first) {
        cpa_fuzz::violated("re-encoding a decoded plugin result is not stable");
    }
}

using decoder = void (*)(int, std::string_view);

constexpr std::array<decoder, 36> decoders{
    &decode_answer<pm::plugin_register>,
    &decode_answer<pm::plugin_reconfigure>,
    &decode_answer<pm::model_register>,
    &decode_answer<pm::model_static>,
    &decode_answer<pm::model_for_auth>,
    &decode_answer<pm::auth_identifier>,
    &decode_answer<pm::auth_parse>,
    &decode_answer<pm::auth_login_start>,
    &decode_answer<pm::auth_login_poll>,
    &decode_answer<pm::auth_refresh>,
    &decode_answer<pm::frontend_auth_identifier>,
    &decode_answer<pm::frontend_auth_authenticate>,
    &decode_answer<pm::scheduler_pick>,
    &decode_answer<pm::model_route>,
    &decode_answer<pm::executor_identifier>,
    &decode_answer<pm::executor_execute>,
    &decode_answer<pm::executor_execute_stream>,
    &decode_answer<pm::executor_count_tokens>,
    &decode_answer<pm::executor_http_request>,
    &decode_answer<pm::request_translate>,
    &decode_answer<pm::request_normalize>,
    &decode_answer<pm::request_intercept_before>,
    &decode_answer<pm::request_intercept_after>,
    &decode_answer<pm::request_complete>,
    &decode_answer<pm::response_translate>,
    &decode_answer<pm::response_normalize_before>,
    &decode_answer<pm::response_normalize_after>,
    &decode_answer<pm::response_intercept_after>,
    &decode_answer<pm::response_intercept_stream_chunk>,
    &decode_answer<pm::thinking_identifier>,
    &decode_answer<pm::thinking_apply>,
    &decode_answer<pm::usage_handle>,
    &decode_answer<pm::command_line_register>,
    &decode_answer<pm::command_line_execute>,
    &decode_answer<pm::management_register>,
    &decode_answer<pm::management_handle>,
};

} // namespace

extern "C" int CPA_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
    const auto in = cpa_fuzz::select(data, size, decoders.size());
    const int rc = (in.flags & 0x80U) != 0 ? 1 : 0;
    decoders[in.index](rc, in.text);
    return 0;
}
