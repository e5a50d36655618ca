using Microsoft.Playwright;

namespace Orion.Tests.Integration;

/// <summary>Debian's Chromium (never a downloaded one), headless, on a live silo's pool page.</summary>
internal static class PoolPageBrowser
{
    private const string Chromium = "/usr/bin/chromium";

    /// <summary>The pool page, open and live (its server-sent events flowing); dispose the browser, then Playwright.</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser, IPage Page)> OpenAsync(LiveSilo live)
    {
        var (playwright, browser, page) = await LaunchAsync();
        await page.GotoAsync(live.Url("/").ToString());
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("live");
        return (playwright, browser, page);
    }

    /// <summary>A blank page in a new browser; dispose the browser, then Playwright.</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser, IPage Page)> LaunchAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install -y chromium (.ci/run does)");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1500, Height = 1000 } });
        return (playwright, browser, page);
    }
}
