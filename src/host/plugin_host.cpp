// The plugin host: lifecycle (apply_config, unload_plugin, shutdown_all), fuses, snapshots,
// status queries and the model-router chain.
#include "host_state.hpp"

#include <cpa/error.hpp>
#include <cpa/host/discovery.hpp>
#include <cpa/host/guarded_client.hpp>

#include <boost/log/attributes/constant.hpp>
#include <boost/log/sources/record_ostream.hpp>
#include <boost/log/sources/severity_logger.hpp>
#include <boost/log/trivial.hpp>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdlib>
#include <list>
#include <mutex>
#include <set>
#include <thread>

namespace cpa::host {

namespace {

void default_log(const log_event& e) {
    using boost::log::trivial::severity_level;
    static thread_local boost::log::sources::severity_logger_mt<severity_level> logger;
    severity_level level = severity_level::info;
    switch (e.level) {
    case log_level::trace:
        level = severity_level::trace;
        break;
    case log_level::debug:
        level = severity_level::debug;
        break;
    case log_level::info:
        level = severity_level::info;
        break;
    case log_level::warn:
        level = severity_level::warning;
        break;
    case log_level::error:
        level = severity_level::error;
        break;
    }
    auto record = logger.open_record(boost::log::keywords::severity = level);
    if (record) {
        boost::log::record_ostream out(record);
        out << e.message;
        if (!e.plugin_id.empty()) {
            out << " plugin_id=" << e.plugin_id;
        }
        for (const auto& [k, v] : e.fields) {
            out << ' ' << k << '=' << v;
        }
        out.flush();
        logger.push_record(std::move(record));
    }
}

} // namespace

// -------------------------------------------------------------------------------------------------

void plugin_host::state::log(log_event e) const {
    try {
        if (options.log) {
            options.log(e);
        } else {
            default_log(e);
        }
    } catch (...) { // logging never fails an operation
    }
}

namespace {

/// Checks and normalises a registration; "" when it may become a record, else why not.
std::string validate_registration(register_response& r) {
    if (r.schema_version > CLIPROXY_SCHEMA_VERSION) {
        return "plugin schema version " + std::to_string(r.schema_version) + " is not supported";
    }
    if (r.schema_version == 0) {
        r.schema_version = 1;
    }
    if (!r.capabilities.frontend_auth_provider) {
        r.capabilities.frontend_auth_provider_exclusive = false;
    }
    const auto blank = [](const std::string& s) { return cpa::detail::trim_space(s).empty(); };
    if (blank(r.metadata.name) || blank(r.metadata.version) || blank(r.metadata.author) ||
        blank(r.metadata.github_repository) || !r.capabilities.any()) {
        return "returned invalid metadata or no capabilities";
    }
    return {};
}

} // namespace

// -------------------------------------------------------------------------------------------------

plugin_host::plugin_host(host_options options) : state_(std::make_shared<state>()) {
    if (!options.open) {
        options.open = [](const std::string&, const std::filesystem::path& path,
                          std::shared_ptr<host_services> services) {
            return open_library(path, std::move(services));
        };
    }
    if (options.os.empty()) {
        options.os = std::string(host_os());
    }
    if (options.arch.empty()) {
        options.arch = std::string(host_arch());
    }
    state_->options = std::move(options);
}

plugin_host::~plugin_host() {
    // Deliveries in flight call plugins through this object: they end first.
    state_->lifecycle_tasks.stop_and_join();
    {
        std::lock_guard lock(state_->usage_mutex);
        state_->usage_worker.request_stop();
    }
    if (state_->usage_worker.joinable()) {
        state_->usage_worker.join();
    }
    shutdown_all();
    std::list<state::loader> loaders;
    {
        std::lock_guard lock(state_->mutex);
        loaders.swap(state_->loaders);
    }
    loaders.clear(); // joins late loaders; each shuts its own client down
}

void plugin_host::log(log_event event) const {
    state_->log(std::move(event));
}

std::shared_ptr<const snapshot> plugin_host::current() const noexcept {
    return state_->snap.load();
}

void plugin_host::add_in_process(
    std::string id,
    std::function<std::shared_ptr<plugin_client>(std::shared_ptr<host_services>)> make) {
    std::lock_guard lock(state_->mutex);
    state_->in_process[std::move(id)] = std::move(make);
}

void plugin_host::blow_fuse(const plugin_record& record, std::string_view method,
                            std::string_view what) const {
    bool first = false;
    {
        std::lock_guard lock(state_->mutex);
        if (!record.fuse->blown.load(std::memory_order_acquire)) {
            record.fuse->reason = std::string(method) + " panic: " + std::string(what);
            record.fuse->blown.store(true, std::memory_order_release);
            first = true;
        }
    }
    if (first) {
        log({log_level::error,
             record.id,
             "pluginhost: plugin fused",
             {{"reason", std::string(method) + " panic: " + std::string(what)}}});
    }
}

std::string plugin_host::fuse_reason(std::string_view id) const {
    std::lock_guard lock(state_->mutex);
    const auto it = state_->fuses.find(id);
    if (it == state_->fuses.end() || !it->second->blown.load()) {
        return {};
    }
    return it->second->reason;
}

// ---- apply_config -----------------------------------------------------------------------------

apply_report plugin_host::apply_config(const plugins_config& config, std::stop_token stop) {
    apply_report report;
    state& st = *state_;
    if (!st.gate.acquire(stop)) {
        report.errors.push_back("apply_config: cancelled while waiting for another change");
        return report;
    }
    gate_hold hold{st.gate};
    if (stop.stop_requested()) {
        report.errors.push_back("apply_config: cancelled");
        return report;
    }
    if (!config.enabled) {
        st.publish(false, {});
        report.published = true;
        return report;
    }

    const char* home_env = std::getenv("HOME");
    const std::optional<std::string> home =
        st.options.home
            ? st.options.home
            : (home_env != nullptr ? std::optional<std::string>(home_env) : std::nullopt);
    auto dir = resolve_plugin_dir(config.dir, home ? home->c_str() : nullptr);
    if (!dir) {
        const std::string why = std::string("apply_config: ") + dir.error().what();
        st.log({log_level::error, {}, why, {}});
        report.errors.push_back(why);
        return report;
    }

    std::map<std::string, std::string> pins;
    for (const auto& [id, s] : config.configs) {
        if (!s.pinned_version.empty()) {
            pins[id] = s.pinned_version;
        }
    }
    std::error_code ec;
    std::vector<discovered_file> files = discover(*dir, pins, st.options.os, st.options.arch, ec);
    if (ec) {
        const std::string why =
            "apply_config: discovering plugins in " + dir->string() + ": " + ec.message();
        st.log({log_level::warn, {}, why, {}});
        report.errors.push_back(why);
        st.publish(false, {});
        report.published = true;
        return report;
    }
    {
        std::lock_guard lock(st.mutex);
        for (const auto& entry : st.in_process) {
            const std::string& id = entry.first;
            const bool shadowed =
                std::any_of(files.begin(), files.end(), [&](const auto& f) { return f.id == id; });
            if (!shadowed) {
                files.push_back({id, "in-process:" + id, {}});
            }
        }
        // A pinned build that is missing keeps the loaded one.
        for (const auto& pinned : pins) {
            const std::string& id = pinned.first;
            const bool selected =
                std::any_of(files.begin(), files.end(), [&](const auto& f) { return f.id == id; });
            const auto s = config.configs.find(id);
            const bool disabled = s != config.configs.end() && !s->second.enabled;
            const auto lp = st.loaded.find(id);
            if (!selected && !disabled && lp != st.loaded.end() && !lp->second->path.empty()) {
                files.push_back({id, lp->second->path, lp->second->version});
            }
        }
    }

    std::vector<plugin_record> records;
    std::vector<log_event> hot_reload_logs;
    for (const auto& file : files) {
        const auto settings = config.configs.find(file.id);
        if (settings == config.configs.end() || !settings->second.enabled) {
            continue;
        }
        const plugin_settings& ps = settings->second;
        register_request request;
        request.config_yaml = bytes(build_config_yaml(ps));
        request.schema_version = CLIPROXY_SCHEMA_VERSION;

        std::shared_ptr<plugin_handle> handle;
        std::shared_ptr<plugin_handle> replaced;
        std::shared_ptr<fuse_state> fuse;
        std::shared_ptr<state::load_job> job;
        {
            std::lock_guard lock(st.mutex);
            if (const auto lp = st.loaded.find(file.id); lp != st.loaded.end()) {
                if (same_path(lp->second->path, file.path)) {
                    handle = lp->second;
                } else {
                    replaced = lp->second;
                }
            }
            fuse = st.fuse_for(file.id);
            if (fuse->blown.load() && !replaced) {
                continue;
            }
            if (!handle) {
                if (st.load_tokens.contains(file.id)) {
                    continue; // an earlier load of this ID is still running
                }
                job = std::make_shared<state::load_job>();
                job->id = file.id;
                st.load_tokens[file.id] = job;
                std::function<std::shared_ptr<plugin_client>(std::shared_ptr<host_services>)> make;
                if (const auto ip = st.in_process.find(file.id);
                    ip != st.in_process.end() && file.path == "in-process:" + file.id) {
                    make = ip->second;
                }
                // Join the loaders that are done.
                st.loaders.remove_if([](const state::loader& l) { return l.done->load(); });
                auto& slot = st.loaders.emplace_back();
                slot.thread = std::jthread([weak = state_->weak_from_this(), job, file, request,
                                            make = std::move(make), done = slot.done] {
                    struct mark_done {
                        std::atomic<bool>& flag;
                        ~mark_done() { flag.store(true); }
                    } on_exit{*done};
                    auto host = weak.lock();
                    if (!host) {
                        return;
                    }
                    auto services = std::make_shared<plugin_services>(weak, file.id);
                    load_result opened;
                    try {
                        if (make) {
                            opened.client = make(services);
                            if (!opened.client) {
                                opened.failure.message = "in-process plugin " + file.id +
                                                         ": the factory returned no client";
                            }
                        } else {
                            opened = host->options.open(file.id, file.path, services);
                        }
                    } catch (const std::exception& e) {
                        opened = {nullptr, {"load " + file.path.string() + ": " + e.what()}};
                    }
                    std::shared_ptr<plugin_handle> h;
                    std::optional<register_response> registration;
                    std::string register_error;
                    std::string register_panic;
                    if (opened) {
                        h = std::make_shared<plugin_handle>();
                        h->id = file.id;
                        h->path = file.path;
                        h->version = file.version;
                        h->client = std::make_shared<guarded_client>(opened.client);
                        try {
                            registration =
                                invoke(*h->client, plugin_methods::plugin_register, request);
                            h->registered_once = true;
                        } catch (const call_error& e) {
                            register_error = e.what();
                            h->registered_once = true;
                        } catch (const std::exception& e) {
                            register_panic = e.what();
                        } catch (...) {
                            register_panic = "unknown exception";
                        }
                    }
                    std::unique_lock job_lock(job->mutex);
                    if (job->abandoned) {
                        job_lock.unlock();
                        if (h) {
                            h->current.store(false);
                            h->client->close();
                        }
                        std::lock_guard host_lock(host->mutex);
                        if (auto t = host->load_tokens.find(job->id);
                            t != host->load_tokens.end() && t->second == job) {
                            host->load_tokens.erase(t);
                        }
                        return;
                    }
                    job->handle = std::move(h);
                    job->failure = opened.failure.message;
                    job->registration = std::move(registration);
                    job->register_error = std::move(register_error);
                    job->register_panic = std::move(register_panic);
                    job->finished = true;
                    job_lock.unlock();
                    job->changed.notify_all();
                });
            }
        }

        std::optional<register_response> registration;
        std::string call_failure;
        std::string call_panic;
        const char* lifecycle_method = CLIPROXY_METHOD_PLUGIN_REGISTER;
        if (job) {
            std::unique_lock lock(job->mutex);
            if (!job->changed.wait(lock, stop, [&] { return job->finished; })) {
                job->abandoned = true; // the loader cleans up and releases the token
                report.errors.push_back("apply_config: cancelled while loading " + file.id);
                return report; // no new snapshot
            }
            lock.unlock();
            {
                std::lock_guard host_lock(st.mutex);
                st.load_tokens.erase(file.id);
            }
            if (!job->handle) {
                st.log({log_level::error,
                        file.id,
                        "pluginhost: failed to load plugin",
                        {{"error", job->failure}}});
                report.errors.push_back(file.id + ": " + job->failure);
                continue;
            }
            handle = job->handle;
            {
                std::lock_guard lock2(st.mutex);
                if (replaced) {
                    replaced->current.store(false);
                    st.retired[file.id].push_back(replaced);
                    st.fuses[file.id] = std::make_shared<fuse_state>(); // a new build: a new fuse
                    hot_reload_logs.push_back({log_level::info,
                                               file.id,
                                               "pluginhost: plugin hot reloaded",
                                               {{"active_version", file.version},
                                                {"active_path", file.path.string()},
                                                {"retired_version", replaced->version},
                                                {"retired_path", replaced->path.string()}}});
                }
                fuse = st.fuse_for(file.id);
                st.loaded[file.id] = handle;
            }
            st.log({log_level::info,
                    file.id,
                    "pluginhost: plugin loaded",
                    {{"version", file.version}, {"path", file.path.string()}}});
            registration = job->registration;
            call_failure = job->register_error;
            call_panic = job->register_panic;
        } else {
            const bool first = !handle->registered_once;
            lifecycle_method =
                first ? CLIPROXY_METHOD_PLUGIN_REGISTER : CLIPROXY_METHOD_PLUGIN_RECONFIGURE;
            try {
                registration = invoke(*handle->client,
                                      first ? plugin_methods::plugin_register
                                            : plugin_methods::plugin_reconfigure,
                                      request);
                handle->registered_once = true;
            } catch (const call_error& e) {
                call_failure = e.what();
                handle->registered_once = true;
            } catch (const std::exception& e) {
                call_panic = e.what();
            } catch (...) {
                call_panic = "unknown exception";
            }
        }

        if (!call_panic.empty()) {
            plugin_record temp{file.id, file.path, file.version, ps.priority, {},
                               {},      1,         handle,       fuse};
            blow_fuse(temp, lifecycle_method, call_panic);
            report.errors.push_back(file.id + ": " + lifecycle_method + " panic: " + call_panic);
            continue;
        }
        if (!registration) {
            st.log({log_level::warn,
                    file.id,
                    "pluginhost: plugin registration failed",
                    {{"method", lifecycle_method}, {"error", call_failure}}});
            report.errors.push_back(file.id + ": " + lifecycle_method + ": " + call_failure);
            continue;
        }
        if (const std::string why = validate_registration(*registration); !why.empty()) {
            st.log({log_level::warn, file.id, "pluginhost: plugin " + why, {}});
            report.errors.push_back(file.id + ": " + why);
            continue;
        }
        if (job) {
            st.log({log_level::info,
                    file.id,
                    "pluginhost: plugin registered",
                    {{"plugin_name", registration->metadata.name}}});
        }
        records.push_back({file.id, file.path, file.version, ps.priority,
                           std::move(registration->metadata), std::move(registration->capabilities),
                           registration->schema_version, handle, fuse});
    }

    const bool any = !records.empty();
    st.publish(true, std::move(records));
    report.published = true;
    for (auto& e : hot_reload_logs) {
        st.log(std::move(e));
    }
    bool clean = false;
    std::map<std::string, std::filesystem::path> active;
    {
        std::lock_guard lock(st.mutex);
        if (any && !st.cleaned_up) {
            st.cleaned_up = true;
            clean = st.options.delete_stale_files;
            for (const auto& r : current()->records) {
                if (!r.path.string().starts_with("in-process:")) {
                    active[r.id] = r.path;
                }
            }
        }
    }
    if (clean) {
        std::error_code scan;
        for (const auto& stale :
             stale_siblings(*dir, st.options.os, st.options.arch, active, scan)) {
            std::error_code rm;
            std::filesystem::remove(stale, rm);
            st.log({rm ? log_level::error : log_level::info,
                    {},
                    rm ? "pluginhost: failed to delete old plugin file"
                       : "pluginhost: deleted old plugin file",
                    {{"path", stale.string()}}});
        }
    }
    return report;
}

// ---- unload / shutdown --------------------------------------------------------------------------

bool plugin_host::unload_plugin(std::string_view raw_id, std::stop_token stop) {
    const std::string id = trimmed(raw_id);
    if (id.empty()) {
        return false;
    }
    state& st = *state_;
    if (!st.gate.acquire(stop)) {
        return false;
    }
    gate_hold hold{st.gate};
    std::vector<std::shared_ptr<plugin_handle>> handles;
    {
        std::lock_guard lock(st.mutex);
        if (const auto it = st.loaded.find(id); it != st.loaded.end()) {
            handles.push_back(it->second);
            st.loaded.erase(it);
        }
        if (const auto it = st.retired.find(id); it != st.retired.end()) {
            handles.insert(handles.end(), it->second.begin(), it->second.end());
            st.retired.erase(it);
        }
        if (handles.empty()) {
            return false;
        }
        if (const auto f = st.fuses.find(id); f != st.fuses.end()) {
            st.fuses.erase(f); // the fuse is cleared: a later load starts afresh
        }
        const auto old = current();
        std::vector<plugin_record> kept;
        for (const auto& r : old->records) {
            if (r.id != id) {
                kept.push_back(r);
            }
        }
        for (const auto& h : handles) {
            h->current.store(false);
        }
        st.publish(old->enabled, std::move(kept));
    }
    close_plugin_streams(st, id); // streams it read through host callbacks
    for (const auto& h : handles) {
        h->client->close(stop);
        st.log({log_level::info,
                id,
                "pluginhost: plugin unloaded",
                {{"version", h->version}, {"path", h->path.string()}}});
    }
    return true;
}

void plugin_host::shutdown_all(std::stop_token stop) {
    state& st = *state_;
    if (!st.gate.acquire(stop)) {
        return;
    }
    gate_hold hold{st.gate};
    close_plugin_streams(st, {}); // their readers are going
    std::vector<std::shared_ptr<plugin_handle>> handles;
    {
        std::lock_guard lock(st.mutex);
        for (auto& [id, h] : st.loaded) {
            handles.push_back(h);
        }
        for (auto& [id, hs] : st.retired) {
            handles.insert(handles.end(), hs.begin(), hs.end());
        }
        st.loaded.clear();
        st.retired.clear();
        for (auto& [id, job] : st.load_tokens) {
            std::lock_guard job_lock(job->mutex);
            job->abandoned = true; // the loader shuts its client down and releases the token
        }
        for (const auto& h : handles) {
            h->current.store(false);
        }
        st.publish(false, {});
    }
    for (const auto& h : handles) {
        h->client->close(stop);
        st.log({log_level::info,
                h->id,
                "pluginhost: plugin unloaded",
                {{"version", h->version}, {"path", h->path.string()}}});
    }
}

// ---- status -------------------------------------------------------------------------------------

bool plugin_host::plugin_registered(std::string_view raw_id) const {
    const std::string id = trimmed(raw_id);
    const auto snap = current();
    return std::any_of(snap->records.begin(), snap->records.end(),
                       [&](const plugin_record& r) { return r.id == id; });
}

bool plugin_host::plugin_loaded(std::string_view raw_id) const {
    const std::string id = trimmed(raw_id);
    std::lock_guard lock(state_->mutex);
    const auto r = state_->retired.find(id);
    return state_->loaded.contains(id) || (r != state_->retired.end() && !r->second.empty());
}

bool plugin_host::plugin_busy(std::string_view raw_id) const {
    const std::string id = trimmed(raw_id);
    if (plugin_loaded(id)) {
        return true;
    }
    std::lock_guard lock(state_->mutex);
    return state_->load_tokens.contains(id);
}

std::vector<registered_plugin> plugin_host::registered_plugins() const {
    std::vector<registered_plugin> out;
    for (const auto& r : current()->records) {
        registered_plugin p{r.id,           r.priority, r.metadata, r.schema_version,
                            r.capabilities, false,      {}};
        p.supports_oauth = r.capabilities.auth_provider;
        if (p.supports_oauth && !r.fused()) {
            if (auto id = call(r, plugin_methods::auth_identifier, empty_message{})) {
                p.oauth_provider = lower(trimmed(id->identifier));
            }
        }
        out.push_back(std::move(p));
    }
    return out;
}

// ---- routing ------------------------------------------------------------------------------------

void plugin_host::set_available_providers(std::vector<std::string> providers) {
    for (auto& p : providers) {
        p = lower(trimmed(p));
    }
    std::sort(providers.begin(), providers.end());
    providers.erase(std::unique(providers.begin(), providers.end()), providers.end());
    providers.erase(std::remove(providers.begin(), providers.end(), std::string()),
                    providers.end());
    std::lock_guard lock(state_->mutex);
    state_->providers = std::move(providers);
}

std::vector<std::string> plugin_host::available_providers() const {
    std::lock_guard lock(state_->mutex);
    return state_->providers;
}

bool plugin_host::has_model_routers(std::string_view skip_id) const {
    const std::string skip = trimmed(skip_id);
    const auto snap = current();
    return std::any_of(snap->records.begin(), snap->records.end(), [&](const plugin_record& r) {
        return r.capabilities.model_router && r.usable() && r.id != skip;
    });
}

std::string normalize_format(std::string_view format) {
    const std::string f = trimmed(format);
    const std::string l = lower(f);
    if (l.empty() || l == "none") {
        return {};
    }
    if (l == "chat-completions" || l == "chat_completions" || l == "openai-chat-completions" ||
        l == "openai_chat_completions") {
        return "openai";
    }
    if (l == "responses" || l == "openai-responses" || l == "openai_responses") {
        return "openai-response";
    }
    if (l == "anthropic") {
        return "claude";
    }
    return f;
}

std::string plugin_host::executor_identifier(const plugin_record& record) const {
    const auto id = call(record, plugin_methods::executor_identifier, empty_message{});
    return id ? lower(trimmed(id->identifier)) : std::string();
}

bool plugin_host::executor_ready(std::string_view raw_id, std::string_view source_format) const {
    const std::string id = trimmed(raw_id);
    if (id.empty()) {
        return false;
    }
    const auto snap = current();
    const auto it = std::find_if(snap->records.begin(), snap->records.end(),
                                 [&](const plugin_record& r) { return r.id == id; });
    if (it == snap->records.end() || !it->usable() || !it->capabilities.executor) {
        return false;
    }
    const auto scope = it->capabilities.executor_model_scope;
    if (scope == executor_model_scope::oauth) {
        return false;
    }
    if (executor_identifier(*it).empty()) {
        return false;
    }
    format_request q;
    q.source_format = std::string(source_format);
    q.response_translator_active =
        std::any_of(snap->records.begin(), snap->records.end(), [](const plugin_record& r) {
            return r.capabilities.response_translator && r.usable();
        });
    try {
        (void)select_executor_formats(*it, q);
        return true;
    } catch (const call_error&) {
        return false;
    }
}

plugin_host::route_result plugin_host::route_model(const model_route_request& request,
                                                   std::string_view skip_id) {
    route_result out;
    const std::string skip = trimmed(skip_id);
    const auto snap = current();
    const auto providers = available_providers();
    for (const auto& r : snap->records) {
        if (!r.capabilities.model_router || r.id == skip) {
            continue;
        }
        if (r.fused()) {
            out.trail.push_back({r.id, "fused", {}});
            continue;
        }
        model_route_request per_router = request;
        per_router.plugin = r.metadata;
        per_router.plugin_id = r.id;
        per_router.available_providers = providers;
        call_error error;
        auto decision = call(r, plugin_methods::model_route, per_router, &error);
        if (!decision) {
            out.trail.push_back({r.id, std::string("error: ") + error.what(), {}});
            continue;
        }
        if (!decision->handled) {
            out.trail.push_back({r.id, "declined", decision->reason});
            continue;
        }
        decision->target_model = trimmed(decision->target_model);
        std::string why;
        switch (decision->target_kind) {
        case route_target_kind::self:
            decision->target = r.id;
            if (!executor_ready(decision->target, request.source_format)) {
                why = "unavailable executor plugin " + decision->target;
            }
            break;
        case route_target_kind::executor:
            decision->target = trimmed(decision->target);
            if (decision->target.empty()) {
                why = "model router returned invalid target";
            } else if (!executor_ready(decision->target, request.source_format)) {
                why = "unavailable executor plugin " + decision->target;
            }
            break;
        case route_target_kind::provider:
            decision->target = lower(trimmed(decision->target));
            if (decision->target.empty()) {
                why = "model router returned invalid target";
            } else if (!std::binary_search(providers.begin(), providers.end(), decision->target)) {
                why = "unavailable provider " + decision->target;
            }
            break;
        case route_target_kind::unset:
        case route_target_kind::invalid:
            why = "model router returned invalid target";
            break;
        }
        if (!why.empty()) {
            log({log_level::warn, r.id, why, {}});
            out.trail.push_back({r.id, why, decision->reason});
            continue;
        }
        out.trail.push_back({r.id, "handled", decision->reason});
        out.router_id = r.id;
        out.decision = std::move(decision);
        return out;
    }
    return out;
}

} // namespace cpa::host
