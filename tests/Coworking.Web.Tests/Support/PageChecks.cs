using Coworking.Testing;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Coworking.Web.Tests.Support;

/// <summary>What every page a test visits must pass: axe-core finds no serious or critical violation; and its screenshot.</summary>
public static class PageChecks
{
    /// <summary>Where screenshots go with the test results (./test.sh's .local/test-results).</summary>
    public static string ResultsDirectory => Path.Combine(RepoPaths.LocalDir, "test-results", "screenshots");

    public static string DocsDirectory => Path.Combine(RepoPaths.Root, "docs", "screenshots");

    /// <summary>Runs axe-core (WCAG 2.x A and AA rules) on the page as it is now and fails with every serious or critical finding.</summary>
    public static async Task AssertAccessibleAsync(this IPage page)
    {
        var results = await page.RunAxe();
        var serious = results.Violations
            .Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Impact} {v.Id}: {v.Help} — {string.Join(", ", v.Nodes.Select(n => n.Html))}")
            .ToList();
        Assert.True(serious.Count == 0, $"axe-core on {page.Url}:\n{string.Join("\n", serious)}");
    }

    /// <summary>Saves a full-page screenshot with the test results and copies it to docs/screenshots/, where the current ones are kept.</summary>
    public static async Task ScreenshotAsync(this IPage page, string name)
    {
        Directory.CreateDirectory(ResultsDirectory);
        Directory.CreateDirectory(DocsDirectory);
        var path = Path.Combine(ResultsDirectory, $"{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        File.Copy(path, Path.Combine(DocsDirectory, $"{name}.png"), overwrite: true);
    }
}
