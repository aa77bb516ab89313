// The configuration `cpa-host demo` runs with: the sample plugins of this repository and two
// built-in providers. `@SAMPLES_DIR@` is replaced with the directory of the built samples.
// `cpa-host demo --print-config` prints the result, ready for `list`, `route` and `run`.
#ifndef CPA_REFERENCE_HOST_DEFAULT_CONFIG_HPP
#define CPA_REFERENCE_HOST_DEFAULT_CONFIG_HPP

#include <string_view>

namespace cpa_host {

inline constexpr std::string_view demo_config_template =
    R"yaml(# cpa-host demo: the sample plugins of cpa-sdk and two providers built into the host.
# CPA's own `plugins:` section; the chain order is priority descending, then plugin ID.
plugins:
  enabled: true
  dir: "@SAMPLES_DIR@"
  configs:
    model-router:          # the top router: web search requests go to the echo executor
      enabled: true
      priority: 100
      target: echo-executor
      tool_prefix: web_search
      formats: [openai, claude]
    request-guard:         # adds X-Request-Guard to every request; limits requests in flight
      enabled: true
      priority: 50
      default_limit: 0
    stream-rewriter:       # rewrites streamed text, drops keep-alive chunks
      enabled: true
      priority: 40
      replace: {colour: color}
    raw-c:                 # a router in plain C that declines everything
      enabled: true
      priority: 10
    echo-executor:         # an executor plugin (OpenAI format in and out)
      enabled: true
      priority: 0
      stream_mode: async
    usage-logger:          # logs every usage record through host.log
      enabled: true
      priority: -10
      level: info

# cpa-host's own section: providers the host serves itself, with no network.
providers:
  local:
    models: [gpt-4o, gpt-4o-mini]
    answer: echo           # the text of the request's last message
  canned:
    models: [claude-sonnet-4]
    answer: canned
    text: Hello from the canned provider.
)yaml";

} // namespace cpa_host

#endif // CPA_REFERENCE_HOST_DEFAULT_CONFIG_HPP
