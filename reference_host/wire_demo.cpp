// cpa-wire-demo: a short tour of the wire layer that exists today (the full reference host,
// cpa-host, arrives with the host library). It encodes a registration the way a plugin answers,
// decodes a host request, and reads a few plugin answers through the host's decision table.
#include <cpa/api.hpp>

#include <cstdio>
#include <iostream>
#include <string>

namespace {

void section(const char* title) {
    std::cout << "\n== " << title << "\n";
}

void show_reply(const char* label, int rc, std::string_view answer) {
    const auto reply =
        cpa::decode_reply<cpa::model_route_response>(cpa::methods::model_route, rc, answer);
    std::cout << "  " << label << "\n    rc=" << rc << " answer=" << answer << "\n    -> ";
    if (reply) {
        std::cout << "handled=" << std::boolalpha << reply->handled << " target=\"" << reply->target
                  << "\"\n";
    } else {
        std::cout << "error: " << reply.error().what();
        if (reply.error().http_status() != 0) {
            std::cout << " (HTTP " << reply.error().http_status() << ")";
        }
        std::cout << "\n";
    }
}

} // namespace

int main() {
    section("C ABI v1 (cpa/abi.h)");
    std::printf("  abi_version=%u schema_version=%u init symbol=%s\n", CLIPROXY_ABI_VERSION,
                CLIPROXY_SCHEMA_VERSION, CLIPROXY_PLUGIN_INIT_SYMBOL);
    std::printf("  sizeof(cliproxy_host_api)=%zu sizeof(cliproxy_plugin_api)=%zu\n",
                sizeof(cliproxy_host_api), sizeof(cliproxy_plugin_api));

    section("A plugin's registration answer, as CPA reads it");
    cpa::register_response reg;
    reg.schema_version = CLIPROXY_SCHEMA_VERSION;
    reg.metadata = {.name = "web-search-router",
                    .version = "0.1.0",
                    .author = "cpa-sdk",
                    .github_repository = "https://example.invalid/cpa-sdk",
                    .logo = {},
                    .config_fields = {}};
    reg.capabilities.model_router = true;
    reg.capabilities.stream_chunk_interceptor = true; // wire key: response_stream_interceptor
    std::string envelope;
    cpa::encode_success(reg, envelope);
    std::cout << "  " << envelope << "\n";

    section("A host request, decoded (keys match case-insensitively, bodies are base64)");
    const auto request = cpa::from_json<cpa::model_route_request>(
        R"({"plugin":{"Name":"web-search-router"},"PluginID":"router","SourceFormat":"claude",)"
        R"("RequestedModel":"claude-sonnet-4-5","Stream":true,)"
        R"("Headers":{"Anthropic-Version":["2023-06-01"]},)"
        R"("Body":"eyJ0b29scyI6W3sidHlwZSI6IndlYl9zZWFyY2gifV19","Metadata":{"source":"demo"},)"
        R"("host_callback_id":"12"})");
    std::cout << "  plugin=" << request.plugin.name << " model=" << request.requested_model
              << " body=" << request.body.view() << " callback=" << request.host_callback_id
              << "\n";
    std::cout << "  re-encoded: " << cpa::to_json(request) << "\n";

    section("Plugin answers through the host's decision table (spec 1.5)");
    show_reply("success", 0,
               R"({"ok":true,"result":{"Handled":true,"TargetKind":"self","Target":"x"}})");
    show_reply("error envelope with a status", 0,
               R"({"ok":false,"error":{"code":"busy","message":" try later ","http_status":429}})");
    show_reply("non-zero rc with an error envelope", 1,
               R"({"ok":false,"error":{"code":"plugin_error","message":"boom"}})");
    show_reply("non-zero rc without one", 2, "oops");
    show_reply("empty answer", 0, "");
    show_reply("a result of the wrong type", 0, R"({"ok":true,"result":{"Handled":"yes"}})");
    show_reply("a number where a string belongs", 0,
               R"({"ok":true,"result":{"Handled":true,"TargetKind":7}})");
    return 0;
}
