// The host program's registries over a plugin host: models and executors (host behaviour 6.2,
// 6.3, 7.1), auth providers (7.2), thinking appliers (7.5) and usage subscribers (7.6).
#include <cpa/host/registry.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <utility>

namespace cpa::host {

namespace {

std::string trim(std::string_view s) {
    return std::string(cpa::detail::trim_space(s));
}

bool blank(std::string_view s) {
    return cpa::detail::trim_space(s).empty();
}

const plugin_record* record_of(const snapshot& s, std::string_view id) {
    for (const auto& r : s.records) {
        if (r.id == id) {
            return &r;
        }
    }
    return nullptr;
}

bool scope_allows_static(const capabilities& c) {
    return !c.executor || c.executor_model_scope != executor_model_scope::oauth;
}

bool scope_allows_oauth(const capabilities& c) {
    return !c.executor || c.executor_model_scope != executor_model_scope::static_only;
}

/// Model IDs trimmed, blank IDs dropped.
std::vector<model_info> cleaned_models(std::vector<model_info> models) {
    std::vector<model_info> out;
    out.reserve(models.size());
    for (auto& m : models) {
        m.id = trim(m.id);
        if (!m.id.empty()) {
            out.push_back(std::move(m));
        }
    }
    return out;
}

void append_models(std::map<std::string, std::vector<model_info>>& to, const std::string& provider,
                   const std::vector<model_info>& models) {
    if (provider.empty() || models.empty()) {
        return;
    }
    auto& list = to[provider];
    list.insert(list.end(), models.begin(), models.end());
}

bool has_value(const auth_data& d) {
    return !blank(d.provider) || !blank(d.id) || !blank(d.file_name) || !blank(d.label) ||
           !blank(d.prefix) || !blank(d.proxy_url) || d.disabled || !d.storage_json.empty() ||
           !d.metadata.empty() || !d.attributes.empty() || !d.next_refresh_after.is_zero();
}

std::string first_non_blank(std::string_view a, std::string_view b) {
    return blank(a) ? trim(b) : trim(a);
}

/// The ID of a credential file: relative to the auth directory when inside it, `/`-separated.
std::string auth_id_for_path(std::string_view raw_path, std::string_view raw_dir) {
    const std::string path = trim(raw_path);
    if (path.empty()) {
        return {};
    }
    std::filesystem::path id(path);
    const std::string dir = trim(raw_dir);
    if (!dir.empty()) {
        const auto rel = std::filesystem::path(path).lexically_relative(dir);
        const std::string r = rel.generic_string();
        if (!r.empty() && r.rfind("..", 0) != 0) {
            id = rel;
        }
    }
    std::string out = id.lexically_normal().generic_string();
    if (out.size() > 1 && out.back() == '/') {
        out.pop_back();
    }
    return out;
}

} // namespace

std::string normalize_provider(std::string_view provider) {
    std::string s = trim(provider);
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bytes storage_json(const auth_record& auth) {
    json_object out;
    bool raw_ok = true;
    if (!blank(auth.raw_storage.view())) {
        boost::system::error_code ec;
        auto parsed = boost::json::parse(auth.raw_storage.view(), ec);
        if (!ec && parsed.is_object()) {
            out = std::move(parsed.as_object());
        } else if (!ec && parsed.is_null()) {
            // `null` is an empty storage
        } else {
            raw_ok = false;
        }
    }
    if (!raw_ok) {
        return auth.metadata.empty() ? bytes() : bytes(boost::json::serialize(auth.metadata));
    }
    for (const auto& kv : auth.metadata) {
        out[kv.key()] = kv.value();
    }
    if (const std::string p = normalize_provider(auth.provider); !p.empty()) {
        out["type"] = p;
    }
    return out.empty() ? bytes() : bytes(boost::json::serialize(out));
}

auth_data auth_data_with_defaults(auth_data d, const auth_record& auth) {
    if (blank(d.provider)) {
        d.provider = auth.provider;
    }
    if (blank(d.id)) {
        d.id = auth.id;
    }
    if (blank(d.file_name)) {
        d.file_name = auth.file_name;
    }
    if (blank(d.label)) {
        d.label = auth.label;
    }
    if (blank(d.prefix)) {
        d.prefix = auth.prefix;
    }
    if (blank(d.proxy_url)) {
        d.proxy_url = auth.proxy_url;
    }
    for (const auto& kv : auth.metadata) {
        if (!d.metadata.contains(kv.key())) {
            d.metadata[kv.key()] = kv.value();
        }
    }
    for (const auto& [key, value] : auth.attributes) {
        d.attributes.try_emplace(key, value);
    }
    if (d.storage_json.empty()) {
        d.storage_json = storage_json(auth);
    }
    if (d.next_refresh_after.is_zero()) {
        d.next_refresh_after = auth.next_refresh_after;
    }
    return d;
}

// ---- model registry ---------------------------------------------------------------------------

std::vector<model_info> model_registry::models_for_provider(std::string_view provider) const {
    const auto it = provider_models.find(normalize_provider(provider));
    return it == provider_models.end() ? std::vector<model_info>{} : it->second;
}

std::vector<std::string> model_registry::providers_for_model(std::string_view model_id) const {
    std::set<std::string> out;
    for (const auto& [id, c] : clients) {
        for (const auto& m : c.models) {
            if (m.id == model_id) {
                out.insert(c.provider);
            }
        }
    }
    return {out.begin(), out.end()};
}

// ---- models and executors ---------------------------------------------------------------------

plugin_models::plugin_models(plugin_host& host) : host_(host) {}

void plugin_models::set_host_summary(host_config_summary summary) {
    std::lock_guard lock(mutex_);
    summary_ = std::move(summary);
}

void plugin_models::add_native_executor(std::string_view raw, std::vector<model_info> models) {
    const std::string provider = normalize_provider(raw);
    if (provider.empty()) {
        return;
    }
    std::lock_guard lock(mutex_);
    registry_.executors[provider] = executor_owner{true, {}};
    registry_.clients["native:" + provider] = {provider, cleaned_models(std::move(models))};
}

void plugin_models::remove_native_executor(std::string_view raw) {
    const std::string provider = normalize_provider(raw);
    std::lock_guard lock(mutex_);
    if (const auto it = registry_.executors.find(provider);
        it != registry_.executors.end() && it->second.native) {
        registry_.executors.erase(it);
    }
    registry_.clients.erase("native:" + provider);
}

bool plugin_models::register_models() {
    const auto snap = host_.current();
    host_config_summary summary;
    {
        std::lock_guard lock(mutex_);
        summary = summary_;
    }
    std::map<std::string, model_registry::client> clients;
    std::map<std::string, std::string> providers;
    std::map<std::string, registration> registrations;
    for (const auto& r : snap->records) {
        const auto& c = r.capabilities;
        if ((!c.model_provider && !c.model_registrar) || !scope_allows_static(c) || !r.usable()) {
            continue;
        }
        std::optional<model_response> answer;
        if (c.model_provider) {
            answer = host_.call(r, plugin_methods::model_static,
                                model_static_request{r.metadata, summary});
        } else {
            answer =
                host_.call(r, plugin_methods::model_register, model_register_request{r.metadata});
        }
        if (!answer) {
            continue;
        }
        const std::string provider = normalize_provider(answer->provider);
        auto models = cleaned_models(std::move(answer->models));
        if (provider.empty() || models.empty()) {
            continue;
        }
        providers[r.id] = provider;
        if (!c.executor) {
            clients["plugin:" + r.id + ":" + provider] = {provider, models};
        }
        registrations[r.id] = {provider, std::move(models), c.executor, r.priority};
    }

    std::lock_guard lock(mutex_);
    if (host_.current() != snap) {
        return false;
    }
    for (const auto& id : model_clients_) {
        if (!clients.contains(id)) {
            registry_.clients.erase(id);
        }
    }
    model_clients_.clear();
    for (auto& [id, client] : clients) {
        model_clients_.insert(id);
        registry_.clients[id] = std::move(client);
    }
    model_providers_ = std::move(providers);
    registrations_ = std::move(registrations);
    return true;
}

std::string plugin_models::executor_provider(const plugin_record& record) const {
    {
        std::lock_guard lock(mutex_);
        if (const auto it = model_providers_.find(record.id);
            it != model_providers_.end() && !it->second.empty()) {
            return it->second;
        }
    }
    return normalize_provider(host_.executor_identifier(record));
}

bool plugin_models::register_executors() {
    const auto snap = host_.current();
    std::map<std::string, registration> registrations;
    model_registry current;
    {
        std::lock_guard lock(mutex_);
        registrations = registrations_;
        current = registry_;
    }
    const auto native_provider = [&](const std::string& provider) {
        const auto it = current.executors.find(provider);
        return it != current.executors.end() && it->second.native;
    };
    const auto native_model = [&](const std::string& model) {
        const auto providers = current.providers_for_model(model);
        return std::any_of(providers.begin(), providers.end(), native_provider);
    };
    const auto models_of = [&](const std::string& id) -> const std::vector<model_info>& {
        static const std::vector<model_info> none;
        const auto it = registrations.find(id);
        return it == registrations.end() ? none : it->second.models;
    };

    // Models of plugins without an executor, in chain order (priority, then ID).
    std::vector<std::pair<std::int64_t, std::string>> order;
    for (const auto& [id, reg] : registrations) {
        if (!reg.has_executor) {
            order.emplace_back(reg.priority, id);
        }
    }
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    std::map<std::string, std::vector<model_info>> provider_models;
    for (const auto& entry : order) {
        const registration& reg = registrations.at(entry.second);
        append_models(provider_models, reg.provider, reg.models);
    }
    // The provider key of every executor plugin, asked once.
    std::vector<std::pair<const plugin_record*, std::string>> executors;
    for (const auto& r : snap->records) {
        if (!r.capabilities.executor || !r.usable()) {
            continue;
        }
        std::string provider = executor_provider(r);
        if (!provider.empty()) {
            executors.emplace_back(&r, std::move(provider));
        }
    }
    // Model claims, in chain order.
    std::set<std::string> claimed_models;
    std::map<std::string, std::string> claimed_providers;
    std::map<std::string, std::vector<model_info>> selected;
    for (const auto& entry : executors) {
        const plugin_record& r = *entry.first;
        const std::string& provider = entry.second;
        const auto& models = models_of(r.id);
        if (native_provider(provider)) {
            append_models(provider_models, provider, models);
            continue;
        }
        if (models.empty()) {
            continue;
        }
        if (const auto it = claimed_providers.find(provider);
            it != claimed_providers.end() && it->second != r.id) {
            continue;
        }
        for (const auto& m : models) {
            if (claimed_models.contains(m.id) || native_model(m.id)) {
                continue;
            }
            claimed_models.insert(m.id);
            claimed_providers[provider] = r.id;
            selected[r.id].push_back(m);
        }
    }
    // One adapter per provider key.
    std::set<std::string> seen;
    std::map<std::string, executor_owner> adapters;
    std::map<std::string, model_registry::client> clients;
    for (const auto& entry : executors) {
        const plugin_record& r = *entry.first;
        const std::string& provider = entry.second;
        const auto won = selected.find(r.id);
        const bool won_any = won != selected.end() && !won->second.empty();
        if (!models_of(r.id).empty() && !won_any) {
            continue;
        }
        if (!seen.insert(provider).second || native_provider(provider)) {
            continue;
        }
        adapters[provider] = executor_owner{false, r.id};
        if (won_any) {
            append_models(provider_models, provider, won->second);
            clients["plugin:" + r.id + ":" + provider + ":executor"] = {provider, won->second};
        }
    }

    std::lock_guard lock(mutex_);
    if (host_.current() != snap) {
        return false;
    }
    registry_.provider_models = std::move(provider_models);
    for (const auto& provider : executor_providers_) {
        if (adapters.contains(provider)) {
            continue;
        }
        // Only this registry's own adapters are removed; a native executor stays.
        if (const auto it = registry_.executors.find(provider);
            it != registry_.executors.end() && !it->second.native) {
            registry_.executors.erase(it);
        }
    }
    executor_providers_.clear();
    for (auto& [provider, owner] : adapters) {
        executor_providers_.insert(provider);
        registry_.executors[provider] = std::move(owner);
    }
    for (const auto& id : executor_clients_) {
        if (!clients.contains(id)) {
            registry_.clients.erase(id);
        }
    }
    executor_clients_.clear();
    for (auto& [id, client] : clients) {
        executor_clients_.insert(id);
        registry_.clients[id] = std::move(client);
    }
    return true;
}

void plugin_models::sync() {
    register_models();
    register_executors();
}

auth_models plugin_models::models_for_auth(const auth_record& auth) {
    const std::string key = normalize_provider(auth.provider);
    if (key.empty()) {
        return {};
    }
    host_config_summary summary;
    {
        std::lock_guard lock(mutex_);
        summary = summary_;
    }
    const auto snap = host_.current();
    for (const auto& r : snap->records) {
        const auto& c = r.capabilities;
        if (!c.model_provider || !r.usable() || !scope_allows_oauth(c)) {
            continue;
        }
        if (c.auth_provider) {
            const auto id = host_.call(r, plugin_methods::auth_identifier, empty_message{});
            if (!id || normalize_provider(id->identifier) != key) {
                continue;
            }
        } else {
            std::string provider = model_provider(r.id);
            if (provider.empty() && c.executor) {
                provider = executor_provider(r);
            }
            if (provider != key) {
                continue;
            }
        }
        model_for_auth_request request;
        request.plugin = r.metadata;
        request.auth_id = auth.id;
        request.auth_provider = auth.provider;
        request.storage_json = storage_json(auth);
        request.metadata = auth.metadata;
        request.attributes = auth.attributes;
        request.host = summary;
        call_error error;
        auto answer = host_.call(r, plugin_methods::model_for_auth, request, &error);
        if (!answer) {
            auth_models out;
            out.handled = true;
            out.error = error;
            return out;
        }
        std::string provider = normalize_provider(answer->provider);
        if (!provider.empty() && provider != key) {
            continue;
        }
        auth_models out;
        out.handled = true;
        out.provider = provider.empty() ? key : provider;
        out.models = cleaned_models(std::move(answer->models));
        if (has_value(answer->auth_update)) {
            const auto path = auth.attributes.find("path");
            out.auth = to_auth(auth_data_with_defaults(std::move(answer->auth_update), auth),
                               path == auth.attributes.end() ? std::string_view{}
                                                             : std::string_view(path->second),
                               auth.file_name, summary.auth_dir);
        }
        return out;
    }
    return {};
}

model_registry plugin_models::registry() const {
    std::lock_guard lock(mutex_);
    return registry_;
}

std::vector<model_info> plugin_models::models_for_provider(std::string_view provider) const {
    std::lock_guard lock(mutex_);
    return registry_.models_for_provider(provider);
}

std::string plugin_models::model_provider(std::string_view plugin_id) const {
    std::lock_guard lock(mutex_);
    const auto it = model_providers_.find(std::string(plugin_id));
    return it == model_providers_.end() ? std::string() : it->second;
}

// ---- auth providers ---------------------------------------------------------------------------

auth_providers::auth_providers(plugin_host& host) : host_(host) {}

void auth_providers::set_host_summary(host_config_summary summary) {
    std::lock_guard lock(mutex_);
    summary_ = std::move(summary);
}

host_config_summary auth_providers::summary() const {
    std::lock_guard lock(mutex_);
    return summary_;
}

std::vector<std::string> auth_providers::identifiers() const {
    std::vector<std::string> out;
    const auto snap = host_.current();
    for (const auto& r : snap->records) {
        if (!r.capabilities.auth_provider || !r.usable()) {
            continue;
        }
        if (const auto id = host_.call(r, plugin_methods::auth_identifier, empty_message{})) {
            if (std::string n = normalize_provider(id->identifier); !n.empty()) {
                out.push_back(std::move(n));
            }
        }
    }
    return out;
}

const plugin_record* auth_providers::find(const snapshot& s, std::string_view raw) const {
    const std::string provider = normalize_provider(raw);
    if (provider.empty()) {
        return nullptr;
    }
    for (const auto& r : s.records) {
        if (!r.capabilities.auth_provider || !r.usable()) {
            continue;
        }
        const auto id = host_.call(r, plugin_methods::auth_identifier, empty_message{});
        if (id && normalize_provider(id->identifier) == provider) {
            return &r;
        }
    }
    return nullptr;
}

bool auth_providers::has(std::string_view provider) const {
    const auto snap = host_.current();
    return find(*snap, provider) != nullptr;
}

std::string auth_providers::plugin_for(std::string_view provider) const {
    const auto snap = host_.current();
    const plugin_record* r = find(*snap, provider);
    return r == nullptr ? std::string() : r->id;
}

std::optional<auth_record> auth_providers::to_auth(const auth_data& data, std::string_view path,
                                                   std::string_view file_name) const {
    return cpa::host::to_auth(data, path, file_name, summary().auth_dir);
}

std::optional<auth_record> to_auth(const auth_data& data, std::string_view raw_path,
                                   std::string_view raw_file_name, std::string_view auth_dir) {
    auth_record a;
    a.provider = normalize_provider(data.provider);
    if (a.provider.empty()) {
        return std::nullopt;
    }
    a.metadata = data.metadata;
    a.metadata["type"] = a.provider;
    a.attributes = data.attributes;
    const std::string path = trim(raw_path);
    if (!path.empty()) {
        a.attributes["path"] = path;
        a.attributes["source"] = path;
        a.attributes["source_backend"] = "file";
    }
    a.file_name = first_non_blank(data.file_name, raw_file_name);
    if (!a.file_name.empty() && a.attributes["source"].empty()) {
        a.attributes["source"] = a.file_name;
    }
    if (a.attributes["source"].empty()) {
        a.attributes.erase("source");
    }
    a.id = trim(data.id);
    if (a.id.empty()) {
        a.id = auth_id_for_path(first_non_blank(path, a.file_name), auth_dir);
    }
    a.label = trim(data.label);
    a.prefix = trim(data.prefix);
    a.proxy_url = trim(data.proxy_url);
    a.disabled = data.disabled;
    a.active = !data.disabled;
    a.raw_storage = data.storage_json;
    a.created_at = timestamp::now();
    a.updated_at = a.created_at;
    a.next_refresh_after = data.next_refresh_after;
    return a;
}

auth_result<std::vector<auth_record>> auth_providers::parse_auths(auth_parse_request request) {
    const auto snap = host_.current();
    const host_config_summary host_summary = summary();
    const auto parse_with = [&](const plugin_record& r) {
        auth_result<std::vector<auth_record>> out;
        auth_parse_request rq = request;
        if (rq.host.auth_dir.empty()) {
            rq.host = host_summary;
        }
        rq.provider = normalize_provider(rq.provider);
        if (rq.provider.empty()) {
            if (const auto id = host_.call(r, plugin_methods::auth_identifier, empty_message{})) {
                rq.provider = normalize_provider(id->identifier);
            }
        }
        call_error error;
        auto answer = host_.call(r, plugin_methods::auth_parse, rq, &error);
        if (!answer) {
            out.handled = false;
            out.error = error;
            return out;
        }
        if (!answer->handled) {
            return out;
        }
        out.handled = true;
        std::vector<auth_data> datas =
            answer->auths.empty() ? std::vector<auth_data>{answer->auth} : answer->auths;
        for (auto& d : datas) {
            if (blank(d.provider)) {
                d.provider = rq.provider;
            }
            if (blank(d.provider)) {
                out.error = call_error("auth provider " + r.id + " returned auth without provider");
                out.value.clear();
                return out;
            }
            auto a = to_auth(d, rq.path, rq.file_name);
            if (!a) {
                out.error = call_error("auth provider " + r.id + " returned invalid auth data");
                out.value.clear();
                return out;
            }
            out.value.push_back(std::move(*a));
        }
        return out;
    };
    if (!blank(request.provider)) {
        const plugin_record* r = find(*snap, request.provider);
        if (r == nullptr) {
            return {};
        }
        return parse_with(*r);
    }
    for (const auto& r : snap->records) {
        if (!r.capabilities.auth_provider || !r.usable()) {
            continue;
        }
        auto out = parse_with(r);
        if (out.error || out.handled) {
            return out;
        }
    }
    return {};
}

auth_result<std::optional<auth_record>> auth_providers::parse_auth(auth_parse_request request) {
    auto all = parse_auths(std::move(request));
    auth_result<std::optional<auth_record>> out;
    out.handled = all.handled;
    out.error = std::move(all.error);
    if (!out.error && out.handled && !all.value.empty()) {
        out.value = std::move(all.value.front());
    }
    return out;
}

auth_result<auth_login_start_response> auth_providers::start_login(std::string_view provider,
                                                                   std::string_view base_url) {
    const auto snap = host_.current();
    const plugin_record* r = find(*snap, provider);
    if (r == nullptr) {
        return {};
    }
    auth_login_start_request rq;
    rq.provider = normalize_provider(provider);
    rq.base_url = trim(base_url);
    rq.host = summary();
    auth_result<auth_login_start_response> out;
    call_error error;
    if (auto answer = host_.call(*r, plugin_methods::auth_login_start, rq, &error)) {
        out.handled = true;
        out.value = std::move(*answer);
    } else {
        out.handled = !r->fused(); // a panic answers "not handled", an error "handled"
        out.error = error;
    }
    return out;
}

auth_result<auth_login_poll_response> auth_providers::poll_login(std::string_view provider,
                                                                 std::string_view state,
                                                                 json_object metadata) {
    const auto snap = host_.current();
    const plugin_record* r = find(*snap, provider);
    if (r == nullptr) {
        return {};
    }
    auth_login_poll_request rq;
    rq.provider = normalize_provider(provider);
    rq.state = trim(state);
    rq.host = summary();
    rq.metadata = std::move(metadata);
    auth_result<auth_login_poll_response> out;
    call_error error;
    if (auto answer = host_.call(*r, plugin_methods::auth_login_poll, rq, &error)) {
        out.handled = true;
        out.value = std::move(*answer);
    } else {
        out.handled = !r->fused();
        out.error = error;
    }
    return out;
}

auth_result<std::optional<auth_record>> auth_providers::refresh_auth(const auth_record& auth) {
    const auto snap = host_.current();
    const plugin_record* r = find(*snap, auth.provider);
    if (r == nullptr) {
        return {};
    }
    auth_refresh_request rq;
    rq.auth_id = auth.id;
    rq.auth_provider = auth.provider;
    rq.storage_json = storage_json(auth);
    rq.metadata = auth.metadata;
    rq.attributes = auth.attributes;
    rq.host = summary();
    auth_result<std::optional<auth_record>> out;
    out.handled = true;
    call_error error;
    auto answer = host_.call(*r, plugin_methods::auth_refresh, rq, &error);
    if (!answer) {
        out.error = error;
        return out;
    }
    auth_data d = std::move(answer->auth);
    const auto fill = [](std::string& field, const std::string& old) {
        if (blank(field)) {
            field = old;
        }
    };
    fill(d.provider, auth.provider);
    fill(d.id, auth.id);
    fill(d.file_name, auth.file_name);
    fill(d.label, auth.label);
    fill(d.prefix, auth.prefix);
    fill(d.proxy_url, auth.proxy_url);
    if (d.metadata.empty()) {
        d.metadata = auth.metadata;
    }
    if (d.attributes.empty()) {
        d.attributes = auth.attributes;
    }
    if (d.storage_json.empty()) {
        d.storage_json = storage_json(auth);
    }
    d.next_refresh_after =
        answer->next_refresh_after.is_zero() ? auth.next_refresh_after : answer->next_refresh_after;
    auto next = to_auth(d, {}, d.file_name);
    if (!next) {
        out.error = call_error("auth provider refresh returned invalid auth data");
        return out;
    }
    next->index = auth.index;
    next->created_at = auth.created_at;
    next->updated_at = auth.updated_at;
    out.value = std::move(next);
    return out;
}

// ---- thinking ---------------------------------------------------------------------------------

thinking_registry::thinking_registry(plugin_host& host, std::vector<std::string> native_providers)
    : host_(host) {
    for (const auto& p : native_providers) {
        if (std::string n = normalize_provider(p); !n.empty()) {
            native_.insert(std::move(n));
        }
    }
}

bool thinking_registry::register_provider(std::string_view raw, std::string_view plugin_id,
                                          std::int64_t priority) {
    const std::string provider = normalize_provider(raw);
    if (provider.empty() || native_.contains(provider)) {
        return false;
    }
    std::lock_guard lock(mutex_);
    if (const auto it = owners_.find(provider); it != owners_.end()) {
        const owner& current = it->second;
        if (current.priority > priority ||
            (current.priority == priority && current.plugin_id <= plugin_id)) {
            return false;
        }
    }
    owners_[provider] = owner{std::string(plugin_id), priority};
    return true;
}

void thinking_registry::sync() {
    {
        std::lock_guard lock(mutex_);
        owners_.clear();
    }
    const auto snap = host_.current();
    for (const auto& r : snap->records) {
        if (!r.capabilities.thinking_applier || !r.usable()) {
            continue;
        }
        const auto id = host_.call(r, plugin_methods::thinking_identifier, empty_message{});
        if (id) {
            register_provider(id->identifier, r.id, r.priority);
        }
    }
}

std::map<std::string, thinking_registry::owner> thinking_registry::providers() const {
    std::map<std::string, owner> out;
    {
        std::lock_guard lock(mutex_);
        out = owners_;
    }
    const auto snap = host_.current();
    std::erase_if(out, [&](const auto& entry) {
        const plugin_record* r = record_of(*snap, entry.second.plugin_id);
        return r == nullptr || r->fused();
    });
    return out;
}

bool thinking_registry::has(std::string_view provider) const {
    return providers().contains(normalize_provider(provider));
}

bytes thinking_registry::apply(thinking_apply_request request) {
    const std::string provider = normalize_provider(request.provider);
    std::string plugin_id;
    {
        std::lock_guard lock(mutex_);
        const auto it = owners_.find(provider);
        if (it == owners_.end()) {
            return std::move(request.body);
        }
        plugin_id = it->second.plugin_id;
    }
    const auto snap = host_.current();
    const plugin_record* r = record_of(*snap, plugin_id);
    if (r == nullptr || !r->capabilities.thinking_applier || !r->usable()) {
        return std::move(request.body);
    }
    auto answer = host_.call(*r, plugin_methods::thinking_apply, request);
    if (r->fused()) {
        // A fused applier loses its providers at once.
        std::lock_guard lock(mutex_);
        std::erase_if(owners_,
                      [&](const auto& entry) { return entry.second.plugin_id == plugin_id; });
    }
    if (!answer || answer->body.empty()) {
        return std::move(request.body);
    }
    return std::move(answer->body);
}

// ---- usage ------------------------------------------------------------------------------------

usage_subscribers::~usage_subscribers() {
    if (worker_.joinable()) {
        worker_.request_stop();
        changed_.notify_all();
        worker_.join();
    }
}

void usage_subscribers::subscribe(std::string name, subscriber s) {
    auto shared = std::make_shared<subscriber>(std::move(s));
    std::lock_guard lock(mutex_);
    for (auto& entry : subscribers_) {
        if (entry.first == name) {
            entry.second = std::move(shared);
            return;
        }
    }
    subscribers_.emplace_back(std::move(name), std::move(shared));
}

std::vector<std::string> usage_subscribers::names() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    out.reserve(subscribers_.size());
    for (const auto& entry : subscribers_) {
        out.push_back(entry.first);
    }
    return out;
}

void usage_subscribers::register_usage_plugins(plugin_host& host) {
    const auto snap = host.current();
    for (const auto& r : snap->records) {
        if (!r.capabilities.usage_plugin || r.fused()) {
            continue;
        }
        subscribe("plugin:" + r.id, [&host, id = r.id](const usage_record& record) {
            const auto now = host.current();
            const plugin_record* current = record_of(*now, id);
            if (current != nullptr && current->capabilities.usage_plugin && current->usable()) {
                host.call(*current, plugin_methods::usage_handle, record);
            }
        });
    }
}

void usage_subscribers::publish(const usage_event& event) {
    usage_record record = event.record;
    record.generate = event.generate.value_or(true);
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(std::move(record));
        if (!worker_.joinable()) {
            worker_ = std::jthread([this](const std::stop_token& stop) { run(stop); });
        }
    }
    changed_.notify_all();
}

void usage_subscribers::run(const std::stop_token& stop) {
    while (true) {
        usage_record next;
        std::vector<std::shared_ptr<subscriber>> targets;
        {
            std::unique_lock lock(mutex_);
            if (!changed_.wait(lock, stop, [&] { return !queue_.empty(); })) {
                return;
            }
            next = std::move(queue_.front());
            queue_.pop_front();
            busy_ = true;
            for (const auto& entry : subscribers_) {
                targets.push_back(entry.second);
            }
        }
        for (const auto& s : targets) {
            try {
                (*s)(next);
            } catch (...) {
                // a subscriber's failure is its own; delivery goes on
            }
        }
        {
            std::lock_guard lock(mutex_);
            busy_ = false;
        }
        changed_.notify_all();
    }
}

void usage_subscribers::drain() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return queue_.empty() && !busy_; });
}

// ---- all of them ------------------------------------------------------------------------------

plugin_registries::plugin_registries(plugin_host& h, std::vector<std::string> native_thinking)
    : host(h), models(h), auths(h), thinking(h, std::move(native_thinking)) {}

void plugin_registries::sync() {
    usage.register_usage_plugins(host);
    models.register_models();
    models.register_executors();
    thinking.sync();
}

void plugin_registries::set_host_summary(const host_config_summary& summary) {
    models.set_host_summary(summary);
    auths.set_host_summary(summary);
}

} // namespace cpa::host
