// The providers cpa-host serves itself, with no plugin and no network: each has a name (the
// provider key), the models it serves, and an answer that is either the text of the request's
// last message (`echo`) or a fixed text (`canned`). They are declared in the `providers:` section
// of the host's YAML configuration, beside CPA's `plugins:` section:
//
//     providers:
//       local:                      # the provider key (lower case)
//         models: [gpt-4o, gpt-4o-mini]
//         answer: echo              # echo (the default) or canned
//       canned:
//         models: [claude-sonnet-4]
//         answer: canned
//         text: Hello from the canned provider.
//
// Answers take the shape of the format the host asks for (`executor_request::format`): a Claude
// message for `claude`, an OpenAI chat completion otherwise; streams are one chunk per word.
#ifndef CPA_REFERENCE_HOST_PROVIDERS_HPP
#define CPA_REFERENCE_HOST_PROVIDERS_HPP

#include <cpa/host/pipeline.hpp>

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace cpa_host {

/// One entry of the `providers:` section.
struct provider_spec {
    std::string name;
    std::vector<std::string> models;
    bool echo = true; ///< `answer: echo`; false for `answer: canned`
    std::string text; ///< the canned answer
};

/// Reads the value of the `providers:` key (a mapping of provider key -> settings; null is no
/// provider). Throws `input_error` naming `source`, the key and the problem.
[[nodiscard]] std::vector<provider_spec> parse_providers(const boost::json::value& section,
                                                         std::string_view source);

/// A built-in provider. Thread-safe (it holds no state beyond its spec).
class builtin_provider final : public cpa::host::provider {
public:
    explicit builtin_provider(provider_spec spec) : spec_(std::move(spec)) {}

    [[nodiscard]] std::string name() const override { return spec_.name; }
    [[nodiscard]] std::vector<std::string> models() const override { return spec_.models; }
    cpa::executor_response execute(const cpa::executor_request& request) override;
    std::vector<cpa::bytes> execute_stream(const cpa::executor_request& request) override;

    [[nodiscard]] const provider_spec& spec() const noexcept { return spec_; }

private:
    [[nodiscard]] std::string answer_text(const cpa::executor_request& request) const;
    provider_spec spec_;
};

/// The text of the last message of a chat request body in any of the common formats: OpenAI chat
/// (`messages[].content`, a string or text parts), Claude (`messages[].content`, a string or
/// text blocks), OpenAI Responses (`input`, a string or messages) and Gemini
/// (`contents[].parts[].text`). "" when there is none.
[[nodiscard]] std::string last_message_text(std::string_view body);

} // namespace cpa_host

#endif // CPA_REFERENCE_HOST_PROVIDERS_HPP
