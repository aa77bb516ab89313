// The plugin side of the C ABI for a plugin class T: init, the method dispatcher, registration
// built from T's concepts, exceptions turned into error envelopes, async stream workers and
// shutdown. `CPA_PLUGIN(T)` instantiates it; nothing here is called by plugin authors directly.
//
// Concurrency: the host calls `call` from many threads at once and re-entrantly (a capability may
// be running on one thread while the host, inside a host callback of that capability, calls the
// plugin again on another). The dispatcher keeps no per-call state outside the call's stack; the
// configuration is an immutable snapshot replaced as a whole; the plugin object itself is shared,
// so its own mutable state is the author's to guard.
#ifndef CPA_PLUGIN_RUNTIME_HPP
#define CPA_PLUGIN_RUNTIME_HPP

#include <cpa/abi.h>
#include <cpa/api.hpp>
#include <cpa/capabilities.hpp>
#include <cpa/context.hpp>
#include <cpa/detail/shared_snapshot.hpp>
#include <cpa/error.hpp>
#include <cpa/executor_stream.hpp>
#include <cpa/plugin/config.hpp>
#include <cpa/plugin/host_link.hpp>
#include <cpa/plugin/workers.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace cpa::detail {

template <class T>
concept has_schema_version = requires {
    { T::schema_version } -> std::convertible_to<std::uint32_t>;
};

template <class T>
consteval std::uint32_t plugin_schema_version() {
    if constexpr (has_schema_version<T>) {
        static_assert(T::schema_version >= 1 && T::schema_version <= CLIPROXY_SCHEMA_VERSION,
                      "cpa: plugin: `schema_version` must be between 1 and 3");
        return T::schema_version;
    } else {
        return CLIPROXY_SCHEMA_VERSION;
    }
}

inline bool is_blank(std::string_view s) noexcept {
    return trim_space(s).empty();
}

/// The registration answer for T: its metadata, the capability flags its concepts give it, its
/// executor formats and scope, and its schema version. Throws `plugin_error` when the metadata or
/// the executor formats are incomplete, so the host sees why the plugin cannot register.
template <class T>
register_response make_registration() {
    register_response r;
    r.schema_version = plugin_schema_version<T>();
    r.metadata = T::metadata();
    const std::pair<std::string_view, const std::string*> required[] = {
        {"Name", &r.metadata.name},
        {"Version", &r.metadata.version},
        {"Author", &r.metadata.author},
        {"GitHubRepository", &r.metadata.github_repository},
    };
    for (const auto& [key, value] : required) {
        if (is_blank(*value)) {
            throw plugin_error("plugin metadata: " + std::string(key) +
                               " is blank (Name, Version, Author and GitHubRepository are "
                               "required)");
        }
    }
    r.capabilities = capability_flags<T>();
    if constexpr (executor<T>) {
        for (const auto& f : T::executor_input_formats) {
            r.capabilities.executor_input_formats.emplace_back(std::string_view(f));
        }
        for (const auto& f : T::executor_output_formats) {
            r.capabilities.executor_output_formats.emplace_back(std::string_view(f));
        }
        if (r.capabilities.executor_input_formats.empty() ||
            r.capabilities.executor_output_formats.empty()) {
            throw plugin_error("executor: executor_input_formats and executor_output_formats "
                               "must not be empty");
        }
        if constexpr (requires { T::executor_model_scope; }) {
            r.capabilities.executor_model_scope = T::executor_model_scope;
        } else {
            r.capabilities.executor_model_scope = executor_model_scope::both;
        }
    }
    return r;
}

template <class T>
class plugin_runtime {
public:
    /// `cliproxy_plugin_init`: checks the host's ABI version, constructs the plugin object and
    /// fills the function table. Fails (non-zero, `shutdown` left NULL) when the host speaks
    /// another ABI, when the plugin is already initialised, or when T's constructor throws.
    static int init(const cliproxy_host_api* host, cliproxy_plugin_api* api) noexcept {
        if (host == nullptr || api == nullptr) {
            return 1;
        }
        if (host->abi_version != CLIPROXY_ABI_VERSION || host->call == nullptr ||
            host->free_buffer == nullptr) {
            return 2;
        }
        state* expected = nullptr;
        state* fresh = nullptr;
        try {
            fresh = new state(*host);
        } catch (...) {
            return 3;
        }
        if (!state_.compare_exchange_strong(expected, fresh)) {
            delete fresh;
            return 4;
        }
        api->abi_version = CLIPROXY_ABI_VERSION;
        api->call = &call;
        api->free_buffer = &free_buffer;
        api->shutdown = &shutdown;
        return 0;
    }

private:
    struct state {
        explicit state(const cliproxy_host_api& api) : host(api) {}

        host_link host;
        T plugin{};
        cpa::detail::shared_snapshot<plugin_config> config{std::make_shared<const plugin_config>()};
        worker_set workers;
    };

    using handler_fn = void (*)(state&, std::string_view method, std::string_view request,
                                std::string& out);

    struct method_entry {
        std::string_view name;
        handler_fn handle = nullptr;
    };

    static inline std::atomic<state*> state_{nullptr};

    // -------------------------------------------------------------------------------------
    // The C entry points. No exception leaves them.

    static int call(const char* method, const std::uint8_t* request, std::size_t request_len,
                    cliproxy_buffer* response) noexcept {
        if (response == nullptr) {
            return 1;
        }
        *response = {nullptr, 0};
        std::string out;
        int rc = 0;
        try {
            rc = dispatch(method, request, request_len, out);
        } catch (...) {
            out.clear();
            rc = 1;
            try {
                encode_failure({std::string(error_codes::plugin_error), "out of memory", false, 0},
                               out);
            } catch (...) {
                return 1;
            }
        }
        void* buffer = std::malloc(out.size());
        if (buffer == nullptr) {
            return 1;
        }
        std::memcpy(buffer, out.data(), out.size());
        *response = {buffer, out.size()};
        return rc;
    }

    static void free_buffer(void* ptr, std::size_t) noexcept { std::free(ptr); }

    static void shutdown() noexcept {
        state* st = state_.exchange(nullptr);
        if (st == nullptr) {
            return;
        }
        st->workers.stop_and_join();
        if constexpr (requires(T & t) { t.shutdown(); }) {
            try {
                st->plugin.shutdown();
            } catch (...) { // nothing can report it now
            }
        }
        st->host.close();
        delete st;
    }

    // -------------------------------------------------------------------------------------
    // Dispatch

    static int dispatch(const char* method, const std::uint8_t* request, std::size_t request_len,
                        std::string& out) {
        if (method == nullptr) {
            encode_failure({std::string(error_codes::invalid_method), "method is NULL", false, 0},
                           out);
            return 1;
        }
        state* st = state_.load(std::memory_order_acquire);
        if (st == nullptr) {
            encode_failure({std::string(error_codes::plugin_error),
                            "the plugin is not initialised or was shut down", false, 0},
                           out);
            return 1;
        }
        const std::string_view name(method);
        const method_entry* entry = find(name);
        if (entry == nullptr) {
            encode_failure({std::string(error_codes::unknown_method),
                            "unknown method " + std::string(name), false, 0},
                           out);
            return 0;
        }
        // The Go host always sends at least "{}"; an empty request is read as "{}" too.
        const std::string_view text =
            request_len == 0
                ? std::string_view("{}")
                : std::string_view(reinterpret_cast<const char*>(request), request_len);
        try {
            entry->handle(*st, entry->name, text, out);
            return 0;
        } catch (const plugin_error& e) {
            out.clear();
            encode_failure(e.info(), out);
            return 0;
        } catch (const config_error& e) {
            // Settings the plugin read during the call were not what it expects.
            out.clear();
            encode_failure({"invalid_config", std::string(entry->name) + ": " + e.what(), false, 0},
                           out);
            return 0;
        } catch (const std::exception& e) {
            out.clear();
            encode_failure({std::string(error_codes::plugin_error),
                            std::string(entry->name) + ": " + e.what(), false, 0},
                           out);
            return 1;
        } catch (...) {
            out.clear();
            encode_failure({std::string(error_codes::plugin_error),
                            std::string(entry->name) + ": unknown exception", false, 0},
                           out);
            return 1;
        }
    }

    static const method_entry* find(std::string_view name) noexcept {
        const auto& [entries, count] = table();
        for (std::size_t i = 0; i < count; ++i) {
            if (entries[i].name == name) {
                return &entries[i];
            }
        }
        return nullptr;
    }

    static std::shared_ptr<const plugin_config> config_of(state& st) { return st.config.load(); }

    template <class Req>
    static bool decode_request(std::string_view method, std::string_view text, Req& out_request,
                               std::string& out) {
        auto decoded = try_from_json<Req>(text);
        if (!decoded) {
            encode_failure({std::string(error_codes::invalid_request),
                            std::string(method) + ": " + decoded.error().what(), false, 0},
                           out);
            return false;
        }
        out_request = std::move(*decoded);
        return true;
    }

    template <class Req>
    static call_context context_for(state& st, std::string_view method, const Req& request) {
        std::string callback_id;
        if constexpr (requires { request.host_callback_id; }) {
            callback_id = request.host_callback_id;
        }
        return call_context(st.host, method, std::move(callback_id), config_of(st));
    }

    /// Decode, call the capability, encode: the shape of every ordinary method.
    template <class Req, class Resp, Resp (*Invoke)(T&, const Req&, call_context&)>
    static void handle(state& st, std::string_view method, std::string_view text,
                       std::string& out) {
        Req request;
        if (!decode_request(method, text, request, out)) {
            return;
        }
        call_context ctx = context_for(st, method, request);
        if constexpr (std::is_void_v<Resp>) {
            Invoke(st.plugin, request, ctx);
            encode_success(empty_message{}, out);
        } else {
            encode_success(Invoke(st.plugin, request, ctx), out);
        }
    }

    /// A method whose capability function the class does not define.
    static void not_implemented(state&, std::string_view method, std::string_view,
                                std::string& out) {
        encode_failure({std::string(error_codes::unknown_method),
                        std::string(method) + " is not implemented by plugin " + T::metadata().name,
                        false, 0},
                       out);
    }

    template <class Resp>
    static void no_change(state&, std::string_view, std::string_view, std::string& out) {
        encode_success(Resp{}, out);
    }

    template <std::string (*Get)(T&)>
    static void identifier(state& st, std::string_view, std::string_view, std::string& out) {
        encode_success(identifier_response{Get(st.plugin)}, out);
    }
    static std::string auth_id(T& t) { return std::string(t.auth_identifier()); }
    static std::string frontend_auth_id(T& t) { return std::string(t.frontend_auth_identifier()); }
    static std::string executor_id(T& t) { return std::string(t.executor_identifier()); }
    static std::string thinking_id(T& t) { return std::string(t.thinking_identifier()); }

    static void handle_register(state& st, std::string_view method, std::string_view text,
                                std::string& out) {
        register_request request;
        if (!decode_request(method, text, request, out)) {
            return;
        }
        std::shared_ptr<const plugin_config> config;
        try {
            config = std::make_shared<const plugin_config>(
                plugin_config::parse(request.config_yaml.view()));
        } catch (const config_error& e) {
            encode_failure({"invalid_config", e.what(), false, 0}, out);
            return;
        }
        if constexpr (requires { T::required_host_schema_version; }) {
            if (request.schema_version < T::required_host_schema_version) {
                throw plugin_error("the host speaks schema version " +
                                   std::to_string(request.schema_version) + "; this plugin needs " +
                                   std::to_string(T::required_host_schema_version) + " or later");
            }
        }
        call_context ctx(st.host, method, {}, config);
        if constexpr (requires(T & t, const plugin_config& c) { t.configure(c, ctx); }) {
            st.plugin.configure(*config, ctx);
        } else if constexpr (requires(T & t, const plugin_config& c) { t.configure(c); }) {
            st.plugin.configure(*config);
        }
        // Only a configuration the plugin accepted becomes the current one.
        st.config.store(std::move(config));
        encode_success(make_registration<T>(), out);
    }

    static void handle_execute_stream(state& st, std::string_view method, std::string_view text,
                                      std::string& out) {
        executor_request request;
        if (!decode_request(method, text, request, out)) {
            return;
        }
        call_context ctx = context_for(st, method, request);
        executor_stream stream = [&] {
            if constexpr (detail::callable_execute_stream<T, executor_request, executor_stream>) {
                return invoke_execute_stream<executor_stream>(st.plugin, request, ctx);
            } else {
                // No stream member: the result of `execute`, as a one-chunk inline stream.
                executor_response r = invoke_execute<executor_response>(st.plugin, request, ctx);
                executor_stream_response s;
                s.headers = std::move(r.headers);
                if (!r.payload.empty()) {
                    s.chunks.push_back({std::move(r.payload), {}});
                }
                return executor_stream(std::move(s));
            }
        }();
        if (stream.is_async()) {
            // The producer starts once the answer is complete, so that its emits follow the
            // headers-only answer instead of racing it; if answering fails it never starts.
            auto answered = std::make_shared<std::promise<bool>>();
            st.workers.spawn([ctx, stream_id = request.stream_id, produce = stream.take_producer(),
                              go = answered->get_future().share()](std::stop_token stop) {
                if (!go.get()) {
                    return;
                }
                stream_writer writer(ctx, stream_id, std::move(stop));
                try {
                    produce(writer);
                    writer.close();
                } catch (const std::exception& e) {
                    writer.close(e.what());
                } catch (...) {
                    writer.close("stream producer failed");
                }
            });
            struct release {
                std::shared_ptr<std::promise<bool>> promise;
                bool ok = false;
                ~release() { promise->set_value(ok); }
            } on_exit{answered};
            stream.answer().chunks.clear(); // async mode: headers only
            encode_success(stream.answer(), out);
            on_exit.ok = true;
            return;
        }
        if (stream.answer().chunks.empty() && !request.stream_id.empty()) {
            // An inline answer without chunks would leave the host waiting for emits: end the
            // (empty) stream now, which the host allows before the call returns.
            st.host.stream_close({request.stream_id, {}});
        }
        encode_success(stream.answer(), out);
    }

    // -------------------------------------------------------------------------------------
    // The method table, built from the capabilities T has.

    static constexpr std::pair<std::array<method_entry, 40>, std::size_t> make_table() {
        std::array<method_entry, 40> t{};
        std::size_t n = 0;
        const auto add = [&](std::string_view name, handler_fn fn) { t[n++] = {name, fn}; };
        add(methods::plugin_register, &handle_register);
        add(methods::plugin_reconfigure, &handle_register);
        if constexpr (model_registrar<T>) {
            add(methods::model_register,
                &handle<model_register_request, model_response,
                        &invoke_register_models<model_response, T, model_register_request>>);
        }
        if constexpr (model_provider<T>) {
            add(methods::model_static,
                &handle<model_static_request, model_response,
                        &invoke_static_models<model_response, T, model_static_request>>);
            add(methods::model_for_auth,
                &handle<model_for_auth_request, model_response,
                        &invoke_models_for_auth<model_response, T, model_for_auth_request>>);
        }
        if constexpr (auth_provider<T>) {
            add(methods::auth_identifier, &identifier<&auth_id>);
            add(methods::auth_parse,
                &handle<auth_parse_request, auth_parse_response,
                        &invoke_parse_auth<auth_parse_response, T, auth_parse_request>>);
            if constexpr (callable_start_login<T, auth_login_start_request,
                                               auth_login_start_response>) {
                add(methods::auth_login_start,
                    &handle<auth_login_start_request, auth_login_start_response,
                            &invoke_start_login<auth_login_start_response, T,
                                                auth_login_start_request>>);
            } else {
                add(methods::auth_login_start, &not_implemented);
            }
            if constexpr (callable_poll_login<T, auth_login_poll_request,
                                              auth_login_poll_response>) {
                add(methods::auth_login_poll,
                    &handle<
                        auth_login_poll_request, auth_login_poll_response,
                        &invoke_poll_login<auth_login_poll_response, T, auth_login_poll_request>>);
            } else {
                add(methods::auth_login_poll, &not_implemented);
            }
            if constexpr (callable_refresh_auth<T, auth_refresh_request, auth_refresh_response>) {
                add(methods::auth_refresh,
                    &handle<auth_refresh_request, auth_refresh_response,
                            &invoke_refresh_auth<auth_refresh_response, T, auth_refresh_request>>);
            } else {
                add(methods::auth_refresh, &not_implemented);
            }
        }
        if constexpr (frontend_auth_provider<T>) {
            add(methods::frontend_auth_identifier, &identifier<&frontend_auth_id>);
            add(methods::frontend_auth_authenticate,
                &handle<frontend_auth_request, frontend_auth_response,
                        &invoke_authenticate<frontend_auth_response, T, frontend_auth_request>>);
        }
        if constexpr (scheduler<T>) {
            add(methods::scheduler_pick,
                &handle<scheduler_pick_request, scheduler_pick_response,
                        &invoke_pick_auth<scheduler_pick_response, T, scheduler_pick_request>>);
        }
        if constexpr (model_router<T>) {
            add(methods::model_route,
                &handle<model_route_request, model_route_response,
                        &invoke_route_model<model_route_response, T, model_route_request>>);
        }
        if constexpr (executor<T>) {
            add(methods::executor_identifier, &identifier<&executor_id>);
            add(methods::executor_execute,
                &handle<executor_request, executor_response,
                        &invoke_execute<executor_response, T, executor_request>>);
            add(methods::executor_execute_stream, &handle_execute_stream);
            if constexpr (callable_count_tokens<T, executor_request, executor_response>) {
                add(methods::executor_count_tokens,
                    &handle<executor_request, executor_response,
                            &invoke_count_tokens<executor_response, T, executor_request>>);
            } else {
                add(methods::executor_count_tokens, &not_implemented);
            }
            if constexpr (callable_http_request<T, executor_http_request, http_response>) {
                add(methods::executor_http_request,
                    &handle<executor_http_request, http_response,
                            &invoke_http_request<http_response, T, executor_http_request>>);
            } else {
                add(methods::executor_http_request, &not_implemented);
            }
        }
        if constexpr (request_translator<T>) {
            add(methods::request_translate,
                &handle<request_transform_request, payload_response,
                        &invoke_translate_request<payload_response, T, request_transform_request>>);
        }
        if constexpr (request_normalizer<T>) {
            add(methods::request_normalize,
                &handle<request_transform_request, payload_response,
                        &invoke_normalize_request<payload_response, T, request_transform_request>>);
        }
        if constexpr (response_translator<T>) {
            add(methods::response_translate,
                &handle<
                    response_transform_request, payload_response,
                    &invoke_translate_response<payload_response, T, response_transform_request>>);
        }
        if constexpr (response_before_translator<T>) {
            add(methods::response_normalize_before,
                &handle<response_transform_request, payload_response,
                        &invoke_normalize_response_before<payload_response, T,
                                                          response_transform_request>>);
        }
        if constexpr (response_after_translator<T>) {
            add(methods::response_normalize_after,
                &handle<response_transform_request, payload_response,
                        &invoke_normalize_response_after<payload_response, T,
                                                         response_transform_request>>);
        }
        if constexpr (request_interceptor<T>) {
            if constexpr (callable_intercept_request_before<T, request_intercept_request,
                                                            request_intercept_response>) {
                add(methods::request_intercept_before,
                    &handle<request_intercept_request, request_intercept_response,
                            &invoke_intercept_request_before<request_intercept_response, T,
                                                             request_intercept_request>>);
            } else {
                add(methods::request_intercept_before, &no_change<request_intercept_response>);
            }
            if constexpr (callable_intercept_request_after<T, request_intercept_request,
                                                           request_intercept_response>) {
                add(methods::request_intercept_after,
                    &handle<request_intercept_request, request_intercept_response,
                            &invoke_intercept_request_after<request_intercept_response, T,
                                                            request_intercept_request>>);
            } else {
                add(methods::request_intercept_after, &no_change<request_intercept_response>);
            }
        }
        if constexpr (request_lifecycle<T>) {
            add(methods::request_complete,
                &handle<request_completion, void,
                        &invoke_request_complete<void, T, request_completion>>);
        }
        if constexpr (response_interceptor<T>) {
            add(methods::response_intercept_after,
                &handle<response_intercept_request, response_intercept_response,
                        &invoke_intercept_response<response_intercept_response, T,
                                                   response_intercept_request>>);
        }
        if constexpr (stream_chunk_interceptor<T>) {
            add(methods::response_intercept_stream_chunk,
                &handle<stream_chunk_intercept_request, stream_chunk_intercept_response,
                        &invoke_intercept_stream_chunk<stream_chunk_intercept_response, T,
                                                       stream_chunk_intercept_request>>);
        }
        if constexpr (thinking_applier<T>) {
            add(methods::thinking_identifier, &identifier<&thinking_id>);
            add(methods::thinking_apply,
                &handle<thinking_apply_request, payload_response,
                        &invoke_apply_thinking<payload_response, T, thinking_apply_request>>);
        }
        if constexpr (usage_plugin<T>) {
            add(methods::usage_handle,
                &handle<usage_record, void, &invoke_handle_usage<void, T, usage_record>>);
        }
        if constexpr (command_line_plugin<T>) {
            add(methods::command_line_register,
                &handle<command_line_register_request, command_line_register_response,
                        &invoke_register_command_line<command_line_register_response, T,
                                                      command_line_register_request>>);
            add(methods::command_line_execute,
                &handle<command_line_execute_request, command_line_execute_response,
                        &invoke_execute_command_line<command_line_execute_response, T,
                                                     command_line_execute_request>>);
        }
        if constexpr (management_api<T>) {
            add(methods::management_register,
                &handle<management_register_request, management_register_response,
                        &invoke_register_management<management_register_response, T,
                                                    management_register_request>>);
            add(methods::management_handle,
                &handle<management_request, management_response,
                        &invoke_handle_management<management_response, T, management_request>>);
        }
        return {t, n};
    }

    static const std::pair<std::array<method_entry, 40>, std::size_t>& table() noexcept {
        static constexpr auto entries = make_table();
        return entries;
    }
};

} // namespace cpa::detail

#endif // CPA_PLUGIN_RUNTIME_HPP
