using System.CommandLine;
using System.Text.Json;
using Orion.Contracts;

namespace Orion.Cli;

/// <summary>
/// <c>orion token new</c>: makes an access token and prints the entry a silo's settings take for it (its SHA-256, never
/// the token). Runs here alone; the pool is not asked (<c>orion token issue</c> issues one through the pool).
/// </summary>
public static class TokenCommand
{
    public static Command Build(TextWriter output, Option<bool> json)
    {
        var role = new Option<string>("--role") { Description = "admin, tenant, node or viewer", Required = true };
        role.AcceptOnlyFromAmong([.. AccessTokenRules.Roles]);
        var tenant = new Option<string?>("--tenant") { Description = "For role tenant: the tenant whose tasks and deployments it may act on" };
        var node = new Option<string?>("--node") { Description = "For role node, optionally: the one node (dc/name) it may speak for" };
        var name = new Option<string?>("--name") { Description = "What logs and refusals call it (default: the tenant, the node or the role)" };
        var create = new Command("new", "Make a new token and print it with its settings entry, for silos' settings (the pool is not asked)") { role, tenant, node, name };
        create.SetAction(async (r, ct) =>
        {
            var (roleName, tenantName, nodeId) = (r.GetValue(role)!, r.GetValue(tenant), r.GetValue(node));
            if (roleName == "tenant" && !TenantName.IsValid(tenantName))
            {
                throw new CliException($"--tenant is needed for a token of role tenant, and {TenantName.Rule}", ExitCodes.BadInput);
            }

            if (roleName != "tenant" && tenantName is not null)
            {
                throw new CliException($"--tenant is only for a token of role tenant, not {roleName}", ExitCodes.BadInput);
            }

            if (nodeId is not null && (roleName != "node" || !GrainKeys.IsNodeId(nodeId)))
            {
                throw new CliException($"--node must be a node id, data centre/name, for a token of role node, not '{nodeId}' for {roleName}", ExitCodes.BadInput);
            }

            var secret = AccessToken.New();
            var entry = new Dictionary<string, string>
            {
                ["Name"] = r.GetValue(name) ?? tenantName ?? nodeId ?? roleName,
                ["Role"] = roleName,
            };
            if (tenantName is not null)
            {
                entry["Tenant"] = tenantName;
            }

            if (nodeId is not null)
            {
                entry["Node"] = nodeId;
            }

            entry["Sha256"] = AccessToken.Hash(secret);
            if (r.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(new { token = secret, entry }, new JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Ok;
            }

            await output.WriteLineAsync($"token: {secret}");
            await output.WriteLineAsync("Keep it secret: it is shown once, and the silos hold only its SHA-256. Give it to its user ($ORION_TOKEN),");
            await output.WriteLineAsync("and add this entry to Orion:Access:Tokens in every silo's settings:");
            await output.WriteLineAsync(JsonSerializer.Serialize(entry));
            return ExitCodes.Ok;
        });
        return new Command("token", "Access tokens, for a pool that requires them (Orion:Access:Required)") { create };
    }
}
