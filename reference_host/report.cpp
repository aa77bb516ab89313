#include "report.hpp"

#include <cpa/api.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <ostream>

namespace cpa_host {

namespace {

namespace json = boost::json;

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out += separator;
        }
        out += item;
    }
    return out;
}

std::string scope_name(cpa::executor_model_scope scope) {
    const std::string_view s = cpa::to_string(scope);
    return s.empty() ? "both" : std::string(s);
}

json::array string_array(const std::vector<std::string>& items) {
    json::array out;
    for (const auto& item : items) {
        out.emplace_back(item);
    }
    return out;
}

} // namespace

std::vector<std::string> capability_names(const cpa::capabilities& caps) {
    // The registration message lists every flag once, with its wire key: read the names from
    // its encoding rather than from a second hand-written list.
    const json::value encoded = json::parse(cpa::to_json(caps));
    std::vector<std::string> out;
    for (const auto& [key, value] : encoded.as_object()) {
        if (value.is_bool() && value.get_bool() && key != "frontend_auth_provider_exclusive") {
            out.emplace_back(key);
        }
    }
    return out;
}

std::string capability_summary(const cpa::capabilities& caps) {
    std::vector<std::string> names = capability_names(caps);
    for (auto& name : names) {
        if (name == "executor") {
            name += " (" + join(caps.executor_input_formats, "|") + " -> " +
                    join(caps.executor_output_formats, "|") + ", scope " +
                    scope_name(caps.executor_model_scope) + ")";
        } else if (name == "frontend_auth_provider" && caps.frontend_auth_provider_exclusive) {
            name += " (exclusive)";
        }
    }
    return names.empty() ? "(none)" : join(names, ", ");
}

void print_plugin_table(std::ostream& out, const cpa::host::snapshot& snap,
                        std::string_view indent) {
    if (snap.records.empty()) {
        out << indent << (snap.enabled ? "(no plugin is active)" : "(plugins are disabled)")
            << "\n";
        return;
    }
    std::size_t id_width = 2;
    for (const auto& r : snap.records) {
        id_width = std::max(id_width, r.id.size());
    }
    const auto row = [&](std::string_view id, std::string_view priority, std::string_view schema,
                         std::string_view caps) {
        out << indent << std::left << std::setw(static_cast<int>(id_width)) << id << "  "
            << std::right << std::setw(8) << priority << "  " << std::setw(6) << schema << "  "
            << caps << "\n";
    };
    row("ID", "PRIORITY", "SCHEMA", "CAPABILITIES");
    for (const auto& r : snap.records) {
        std::string caps = capability_summary(r.capabilities);
        if (r.fused()) {
            caps += "  [fused]";
        }
        row(r.id, std::to_string(r.priority), std::to_string(r.schema_version), caps);
    }
}

json::object plugin_json(const cpa::host::plugin_record& record) {
    json::object out{
        {"id", record.id},
        {"priority", record.priority},
        {"schema_version", record.schema_version},
        {"path", record.path.string()},
        {"file_version", record.version},
        {"fused", record.fused()},
        {"metadata", json::object{{"name", record.metadata.name},
                                  {"version", record.metadata.version},
                                  {"author", record.metadata.author},
                                  {"github_repository", record.metadata.github_repository}}},
        {"capabilities", string_array(capability_names(record.capabilities))}};
    if (record.capabilities.executor) {
        out["executor"] = json::object{
            {"input_formats", string_array(record.capabilities.executor_input_formats)},
            {"output_formats", string_array(record.capabilities.executor_output_formats)},
            {"model_scope", scope_name(record.capabilities.executor_model_scope)}};
    }
    return out;
}

std::string providers_line(const std::vector<provider_spec>& providers) {
    if (providers.empty()) {
        return "(none)";
    }
    std::vector<std::string> parts;
    for (const auto& p : providers) {
        parts.push_back(p.name + " (" + (p.models.empty() ? "no models" : join(p.models, ", ")) +
                        "; " + (p.echo ? "echo" : "canned") + ")");
    }
    return join(parts, ", ");
}

json::array providers_json(const std::vector<provider_spec>& providers) {
    json::array out;
    for (const auto& p : providers) {
        json::object entry{{"name", p.name},
                           {"models", string_array(p.models)},
                           {"answer", p.echo ? "echo" : "canned"}};
        if (!p.echo) {
            entry["text"] = p.text;
        }
        out.emplace_back(std::move(entry));
    }
    return out;
}

const provider_spec* provider_for_model(const std::vector<provider_spec>& providers,
                                        std::string_view model) {
    for (const auto& p : providers) {
        if (std::find(p.models.begin(), p.models.end(), model) != p.models.end()) {
            return &p;
        }
    }
    return nullptr;
}

std::string served_by(const cpa::host::plugin_host::route_result& route,
                      const std::vector<provider_spec>& providers, std::string_view model) {
    if (route.decision) {
        if (route.decision->target_kind == cpa::route_target_kind::provider) {
            return "provider " + route.decision->target;
        }
        return "plugin " + route.decision->target;
    }
    const provider_spec* p = provider_for_model(providers, model);
    return p != nullptr ? "provider " + p->name : std::string();
}

void print_route(std::ostream& out, const cpa::host::plugin_host::route_result& route,
                 const std::vector<provider_spec>& providers, std::string_view model,
                 std::string_view indent) {
    if (route.trail.empty()) {
        out << indent << "(no model router is active)\n";
    }
    std::size_t width = 0;
    for (const auto& step : route.trail) {
        width = std::max(width, step.plugin_id.size());
    }
    for (const auto& step : route.trail) {
        out << indent << std::left << std::setw(static_cast<int>(width)) << step.plugin_id << "  "
            << step.outcome;
        if (route.decision && step.plugin_id == route.router_id && step.outcome == "handled") {
            const auto& d = *route.decision;
            out << ": " << cpa::to_string(d.target_kind) << " " << d.target;
            if (!d.target_model.empty()) {
                out << ", model " << d.target_model;
            }
            if (!d.reason.empty()) {
                out << " (" << d.reason << ")";
            }
        } else if (!step.reason.empty()) {
            out << " (" << step.reason << ")";
        }
        out << "\n";
    }
    if (route.decision) {
        const auto& d = *route.decision;
        if (d.target_kind == cpa::route_target_kind::provider) {
            out << indent << "=> provider " << d.target << ", model "
                << (d.target_model.empty() ? std::string(model) : d.target_model) << "\n";
        } else {
            out << indent << "=> executor of plugin " << d.target << ", model " << model << "\n";
        }
        return;
    }
    const provider_spec* p = provider_for_model(providers, model);
    out << indent << "=> no router took it; "
        << (p != nullptr ? "provider " + p->name + " serves " + std::string(model)
                         : "no provider serves " + std::string(model))
        << "\n";
}

json::object route_json(const cpa::host::plugin_host::route_result& route,
                        const std::vector<provider_spec>& providers,
                        const cpa::host::client_request& request) {
    json::array trail;
    for (const auto& step : route.trail) {
        trail.emplace_back(json::object{
            {"plugin_id", step.plugin_id}, {"outcome", step.outcome}, {"reason", step.reason}});
    }
    json::value decision;
    if (route.decision) {
        const auto& d = *route.decision;
        decision = json::object{{"router", route.router_id},
                                {"target_kind", cpa::to_string(d.target_kind)},
                                {"target", d.target},
                                {"target_model", d.target_model},
                                {"reason", d.reason}};
    }
    const std::string by = served_by(route, providers, request.model);
    return json::object{{"request", json::object{{"entry_protocol", request.entry_protocol},
                                                 {"model", request.model},
                                                 {"stream", request.stream}}},
                        {"trail", std::move(trail)},
                        {"decision", std::move(decision)},
                        {"served_by", by.empty() ? json::value() : json::value(by)}};
}

void print_headers(std::ostream& out, const cpa::headers& headers, std::string_view indent) {
    for (const auto& [name, values] : headers) {
        for (const auto& v : values) {
            out << indent << name << ": " << v << "\n";
        }
    }
}

json::object headers_json(const cpa::headers& headers) {
    json::object out;
    for (const auto& [name, values] : headers) {
        out[name] = string_array(values);
    }
    return out;
}

void log_to_stderr(const cpa::host::log_event& event) {
    std::string line = "[" + std::string(cpa::to_string(event.level)) + "] " +
                       (event.plugin_id.empty() ? std::string("host") : event.plugin_id) + ": " +
                       event.message;
    for (const auto& [key, value] : event.fields) {
        line += " " + key + "=" + value;
    }
    line += "\n";
    static std::mutex mutex;
    const std::lock_guard lock(mutex);
    std::cerr << line << std::flush;
}

} // namespace cpa_host
