// In-process plugins: an object of a class that satisfies the plugin concepts, called directly
// with typed requests (no dlopen, no JSON), through the same chains, ordering and fuses as a
// shared library.
//
//     host.add_in_process("my-router", cpa::host::in_process<my_router>());
//
// Errors: `cpa::plugin_error` and `cpa::config_error` thrown by the object are ordinary failures
// (what an error envelope is for a library); any other exception escaping the object is a panic
// and fuses the plugin.
#ifndef CPA_HOST_IN_PROCESS_HPP
#define CPA_HOST_IN_PROCESS_HPP

#include <cpa/capabilities.hpp>
#include <cpa/context.hpp>
#include <cpa/detail/shared_snapshot.hpp>
#include <cpa/error.hpp>
#include <cpa/executor_stream.hpp>
#include <cpa/host/client.hpp>
#include <cpa/plugin/config.hpp>
#include <cpa/plugin/runtime.hpp>
#include <cpa/plugin/workers.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

namespace cpa::host {

template <cpa::plugin T>
class in_process_client final : public plugin_client {
public:
    in_process_client(std::shared_ptr<T> object, std::shared_ptr<host_services> services)
        : object_(std::move(object)), services_(std::move(services)) {}
    ~in_process_client() override { shutdown(); }

    void call(method_id id, std::string_view name, const method_codec&, const void* request,
              void* response) override {
        try {
            dispatch(id, name, request, response);
        } catch (const plugin_error& e) {
            const auto& info = e.info();
            throw call_error(info.message, info.http_status, info.code, info.retryable);
        } catch (const cpa::config_error& e) {
            throw call_error(std::string(name) + ": " + e.what(), 0, "invalid_config");
        }
    }

    void shutdown() noexcept override {
        if (down_.exchange(true)) {
            return;
        }
        workers_.stop_and_join();
        if constexpr (requires(T & t) { t.shutdown(); }) {
            try {
                object_->shutdown();
            } catch (...) { // nothing can report it now
            }
        }
    }

private:
    template <class Req>
    call_context context(std::string_view name, const Req& request) {
        std::string callback_id;
        if constexpr (requires { request.host_callback_id; }) {
            callback_id = request.host_callback_id;
        }
        return call_context(*services_, name, std::move(callback_id), config_.load());
    }

    /// Casts the erased request and response to the method's types and runs `f(req, ctx)`.
    template <class Req, class Resp, class F>
    void typed(std::string_view name, const void* request, void* response, F&& f) {
        const auto& req = *static_cast<const Req*>(request);
        call_context ctx = context(name, req);
        if constexpr (std::is_void_v<decltype(f(req, ctx))>) {
            f(req, ctx);
        } else {
            *static_cast<Resp*>(response) = static_cast<Resp>(f(req, ctx));
        }
    }

    [[noreturn]] static void not_implemented(std::string_view name) {
        throw call_error("unknown method " + std::string(name) + ": not implemented by plugin " +
                         T::metadata().name);
    }

    void registration(std::string_view name, const void* request, void* response) {
        const auto& req = *static_cast<const register_request*>(request);
        auto config =
            std::make_shared<const plugin_config>(plugin_config::parse(req.config_yaml.view()));
        if constexpr (requires { T::required_host_schema_version; }) {
            if (req.schema_version < T::required_host_schema_version) {
                throw plugin_error("the host speaks schema version " +
                                   std::to_string(req.schema_version) + "; this plugin needs " +
                                   std::to_string(T::required_host_schema_version) + " or later");
            }
        }
        call_context ctx(*services_, name, {}, config);
        if constexpr (requires(T & t, const plugin_config& c) { t.configure(c, ctx); }) {
            object_->configure(*config, ctx);
        } else if constexpr (requires(T & t, const plugin_config& c) { t.configure(c); }) {
            object_->configure(*config);
        }
        config_.store(std::move(config));
        *static_cast<register_response*>(response) = cpa::detail::make_registration<T>();
    }

    void execute_stream(std::string_view name, const void* request, void* response) {
        const auto& req = *static_cast<const executor_request*>(request);
        call_context ctx = context(name, req);
        executor_stream stream = [&] {
            if constexpr (cpa::detail::callable_execute_stream<T, executor_request,
                                                               executor_stream>) {
                return cpa::detail::invoke_execute_stream<executor_stream>(*object_, req, ctx);
            } else {
                executor_response r =
                    cpa::detail::invoke_execute<executor_response>(*object_, req, ctx);
                executor_stream_response s;
                s.headers = std::move(r.headers);
                if (!r.payload.empty()) {
                    s.chunks.push_back({std::move(r.payload), {}});
                }
                return executor_stream(std::move(s));
            }
        }();
        auto& out = *static_cast<executor_stream_response*>(response);
        if (stream.is_async()) {
            out.headers = stream.answer().headers;
            // As over the ABI: the producer runs on a thread of its own, after the answer.
            workers_.spawn([ctx, stream_id = req.stream_id,
                            produce = stream.take_producer()](std::stop_token stop) {
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
            return;
        }
        out = std::move(stream.answer());
    }

    template <std::string (*Get)(T&)>
    void identifier(void* response) {
        static_cast<identifier_response*>(response)->identifier = Get(*object_);
    }

    void dispatch(method_id id, std::string_view name, const void* rq, void* rs) {
        namespace d = cpa::detail;
        T& t = *object_;
        switch (id) {
        case method_id::plugin_register:
        case method_id::plugin_reconfigure:
            return registration(name, rq, rs);
        case method_id::model_register:
            if constexpr (model_registrar<T>) {
                return typed<model_register_request, model_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_register_models<model_response>(t, r, c);
                    });
            }
            break;
        case method_id::model_static:
            if constexpr (model_provider<T>) {
                return typed<model_static_request, model_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_static_models<model_response>(t, r, c);
                    });
            }
            break;
        case method_id::model_for_auth:
            if constexpr (model_provider<T>) {
                return typed<model_for_auth_request, model_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_models_for_auth<model_response>(t, r, c);
                    });
            }
            break;
        case method_id::auth_identifier:
            if constexpr (auth_provider<T>) {
                static_cast<identifier_response*>(rs)->identifier =
                    std::string(t.auth_identifier());
                return;
            }
            break;
        case method_id::auth_parse:
            if constexpr (auth_provider<T>) {
                return typed<auth_parse_request, auth_parse_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_parse_auth<auth_parse_response>(t, r, c);
                    });
            }
            break;
        case method_id::auth_login_start:
            if constexpr (d::callable_start_login<T, auth_login_start_request,
                                                  auth_login_start_response>) {
                return typed<auth_login_start_request, auth_login_start_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_start_login<auth_login_start_response>(t, r, c);
                    });
            }
            break;
        case method_id::auth_login_poll:
            if constexpr (d::callable_poll_login<T, auth_login_poll_request,
                                                 auth_login_poll_response>) {
                return typed<auth_login_poll_request, auth_login_poll_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_poll_login<auth_login_poll_response>(t, r, c);
                    });
            }
            break;
        case method_id::auth_refresh:
            if constexpr (d::callable_refresh_auth<T, auth_refresh_request,
                                                   auth_refresh_response>) {
                return typed<auth_refresh_request, auth_refresh_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_refresh_auth<auth_refresh_response>(t, r, c);
                    });
            }
            break;
        case method_id::frontend_auth_identifier:
            if constexpr (frontend_auth_provider<T>) {
                static_cast<identifier_response*>(rs)->identifier =
                    std::string(t.frontend_auth_identifier());
                return;
            }
            break;
        case method_id::frontend_auth_authenticate:
            if constexpr (frontend_auth_provider<T>) {
                return typed<frontend_auth_request, frontend_auth_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_authenticate<frontend_auth_response>(t, r, c);
                    });
            }
            break;
        case method_id::scheduler_pick:
            if constexpr (scheduler<T>) {
                return typed<scheduler_pick_request, scheduler_pick_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_pick_auth<scheduler_pick_response>(t, r, c);
                    });
            }
            break;
        case method_id::model_route:
            if constexpr (model_router<T>) {
                return typed<model_route_request, model_route_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_route_model<model_route_response>(t, r, c);
                    });
            }
            break;
        case method_id::executor_identifier:
            if constexpr (executor<T>) {
                static_cast<identifier_response*>(rs)->identifier =
                    std::string(t.executor_identifier());
                return;
            }
            break;
        case method_id::executor_execute:
            if constexpr (executor<T>) {
                return typed<executor_request, executor_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_execute<executor_response>(t, r, c);
                    });
            }
            break;
        case method_id::executor_execute_stream:
            if constexpr (executor<T>) {
                return execute_stream(name, rq, rs);
            }
            break;
        case method_id::executor_count_tokens:
            if constexpr (d::callable_count_tokens<T, executor_request, executor_response>) {
                return typed<executor_request, executor_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_count_tokens<executor_response>(t, r, c);
                    });
            }
            break;
        case method_id::executor_http_request:
            if constexpr (d::callable_http_request<T, executor_http_request, http_response>) {
                return typed<executor_http_request, http_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_http_request<http_response>(t, r, c);
                    });
            }
            break;
        case method_id::request_translate:
            if constexpr (request_translator<T>) {
                return typed<request_transform_request, payload_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_translate_request<payload_response>(t, r, c);
                    });
            }
            break;
        case method_id::request_normalize:
            if constexpr (request_normalizer<T>) {
                return typed<request_transform_request, payload_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_normalize_request<payload_response>(t, r, c);
                    });
            }
            break;
        case method_id::request_intercept_before:
            if constexpr (d::callable_intercept_request_before<T, request_intercept_request,
                                                               request_intercept_response>) {
                return typed<request_intercept_request, request_intercept_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_intercept_request_before<request_intercept_response>(t, r,
                                                                                              c);
                    });
            } else if constexpr (request_interceptor<T>) {
                return; // no change
            }
            break;
        case method_id::request_intercept_after:
            if constexpr (d::callable_intercept_request_after<T, request_intercept_request,
                                                              request_intercept_response>) {
                return typed<request_intercept_request, request_intercept_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_intercept_request_after<request_intercept_response>(t, r,
                                                                                             c);
                    });
            } else if constexpr (request_interceptor<T>) {
                return; // no change
            }
            break;
        case method_id::request_complete:
            if constexpr (request_lifecycle<T>) {
                return typed<request_completion, empty_message>(
                    name, rq, rs,
                    [&](const auto& r, auto& c) { d::invoke_request_complete<void>(t, r, c); });
            }
            break;
        case method_id::response_translate:
            if constexpr (response_translator<T>) {
                return typed<response_transform_request, payload_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_translate_response<payload_response>(t, r, c);
                    });
            }
            break;
        case method_id::response_normalize_before:
            if constexpr (response_before_translator<T>) {
                return typed<response_transform_request, payload_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_normalize_response_before<payload_response>(t, r, c);
                    });
            }
            break;
        case method_id::response_normalize_after:
            if constexpr (response_after_translator<T>) {
                return typed<response_transform_request, payload_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_normalize_response_after<payload_response>(t, r, c);
                    });
            }
            break;
        case method_id::response_intercept_after:
            if constexpr (response_interceptor<T>) {
                return typed<response_intercept_request, response_intercept_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_intercept_response<response_intercept_response>(t, r, c);
                    });
            }
            break;
        case method_id::response_intercept_stream_chunk:
            if constexpr (stream_chunk_interceptor<T>) {
                return typed<stream_chunk_intercept_request, stream_chunk_intercept_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_intercept_stream_chunk<stream_chunk_intercept_response>(
                            t, r, c);
                    });
            }
            break;
        case method_id::thinking_identifier:
            if constexpr (thinking_applier<T>) {
                static_cast<identifier_response*>(rs)->identifier =
                    std::string(t.thinking_identifier());
                return;
            }
            break;
        case method_id::thinking_apply:
            if constexpr (thinking_applier<T>) {
                return typed<thinking_apply_request, payload_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_apply_thinking<payload_response>(t, r, c);
                    });
            }
            break;
        case method_id::usage_handle:
            if constexpr (usage_plugin<T>) {
                return typed<usage_record, empty_message>(
                    name, rq, rs,
                    [&](const auto& r, auto& c) { d::invoke_handle_usage<void>(t, r, c); });
            }
            break;
        case method_id::command_line_register:
            if constexpr (command_line_plugin<T>) {
                return typed<command_line_register_request, command_line_register_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_register_command_line<command_line_register_response>(t, r,
                                                                                               c);
                    });
            }
            break;
        case method_id::command_line_execute:
            if constexpr (command_line_plugin<T>) {
                return typed<command_line_execute_request, command_line_execute_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_execute_command_line<command_line_execute_response>(t, r,
                                                                                             c);
                    });
            }
            break;
        case method_id::management_register:
            if constexpr (management_api<T>) {
                return typed<management_register_request, management_register_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_register_management<management_register_response>(t, r, c);
                    });
            }
            break;
        case method_id::management_handle:
            if constexpr (management_api<T>) {
                return typed<management_request, management_response>(
                    name, rq, rs, [&](const auto& r, auto& c) {
                        return d::invoke_handle_management<management_response>(t, r, c);
                    });
            }
            break;
        }
        not_implemented(name);
    }

    std::shared_ptr<T> object_;
    std::shared_ptr<host_services> services_;
    cpa::detail::shared_snapshot<plugin_config> config_{std::make_shared<const plugin_config>()};
    cpa::detail::worker_set workers_;
    std::atomic<bool> down_{false};
};

/// A factory for `plugin_host::add_in_process`: each load constructs a fresh `T` (from `args`,
/// copied) and wraps it.
template <cpa::plugin T, class... Args>
auto in_process(Args... args) {
    return [... args = std::move(args)](
               std::shared_ptr<host_services> services) -> std::shared_ptr<plugin_client> {
        return std::make_shared<in_process_client<T>>(std::make_shared<T>(args...),
                                                      std::move(services));
    };
}

} // namespace cpa::host

#endif // CPA_HOST_IN_PROCESS_HPP
