using System.Diagnostics;
using Coworking.Testing;

namespace Coworking.Hub.Tests.Operations;

/// <summary>
/// deploy/k8s renders (kubectl kustomize, Debian's kubernetes-client) and every object it makes is valid: Kubernetes objects
/// against the Kubernetes schemas (npm kubernetes-models), CloudNativePG's against the part of its API the manifests use.
/// </summary>
public sealed class ManifestTests
{
    private static readonly string Deploy = Path.Combine(RepoPaths.Root, "deploy", "k8s");
    private static readonly string Validator = Path.Combine(Deploy, "validate");

    [Fact]
    public async Task The_kustomization_renders_objects_that_the_kubernetes_and_cloudnativepg_schemas_accept()
    {
        var rendered = await RenderAsync();

        var (code, output) = await ValidateAsync(rendered);

        Assert.True(code == 0, output);
        foreach (var expected in (string[])["apps/v1 Deployment coworking-hub", "policy/v1 PodDisruptionBudget coworking-hub", "autoscaling/v2 HorizontalPodAutoscaler coworking-hub",
                     "networking.k8s.io/v1 Ingress coworking-hub", "networking.k8s.io/v1 Ingress coworking-hub-edgesync", "postgresql.cnpg.io/v1 Cluster coworking-db",
                     "postgresql.cnpg.io/v1 ScheduledBackup coworking-db-nightly"])
        {
            Assert.Contains($"valid   {expected}", output, StringComparison.Ordinal);
        }

        Assert.Contains("path: /readyz", rendered, StringComparison.Ordinal);
        Assert.Contains("path: /healthz", rendered, StringComparison.Ordinal);
        Assert.Contains("Host=coworking-db-rw;", rendered, StringComparison.Ordinal);
        Assert.Contains("Host=coworking-db-ro;", rendered, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_manifest_with_a_wrong_field_fails_the_validation()
    {
        var rendered = await RenderAsync();
        var broken = rendered.Replace("  replicas: 3", "  replicas: three", StringComparison.Ordinal).Replace("  instances: 3", "  instance: 3", StringComparison.Ordinal);

        var (code, output) = await ValidateAsync(broken);

        Assert.NotEqual(0, code);
        Assert.Contains("INVALID apps/v1 Deployment coworking-hub", output, StringComparison.Ordinal);
        Assert.Contains("INVALID postgresql.cnpg.io/v1 Cluster coworking-db", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_grafana_dashboard_asks_only_for_metrics_the_hub_and_edge_document()
    {
        var dashboard = File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "grafana", "coworking-dashboard.json"));
        var documented = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "OPERATIONS.md")) + File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "EDGE.md"));
        var asked = System.Text.RegularExpressions.Regex.Matches(dashboard, "coworking_[a-z_]+").Select(m => m.Value)
            .Select(name => System.Text.RegularExpressions.Regex.Replace(name, "_(bucket|count|sum)$", "")).Distinct().ToList();

        Assert.NotEmpty(asked);
        Assert.All(asked, name => Assert.Contains(name, documented, StringComparison.Ordinal));
    }

    private static async Task<string> RenderAsync()
    {
        var (code, output) = await RunAsync("kubectl", ["kustomize", Deploy]);
        Assert.True(code == 0, $"kubectl kustomize failed (apt-get install kubernetes-client): {output}");
        return output;
    }

    private static async Task<(int Code, string Output)> ValidateAsync(string rendered)
    {
        if (!Directory.Exists(Path.Combine(Validator, "node_modules")))
        {
            var (installed, log) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--prefix", Validator]);
            Assert.True(installed == 0, $"npm ci in deploy/k8s/validate failed: {log}");
        }

        var file = Path.Combine(Path.GetTempPath(), $"coworking-k8s-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, rendered);
        try
        {
            return await RunAsync("node", [Path.Combine(Validator, "validate.mjs"), file]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string program, IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
