// The real Durable extension (Azure Storage backend) over Azurite, as the judge of the local
// engine in devhost/durable/. It registers the app's and the conformance fixture's orchestrators
// and activities as shims that forward to a Node bridge (engine-oracle/bridge.ts), which runs the
// registered durable-functions handlers: the same JSON protocol the Functions host speaks with the
// Node worker. A small loopback control API lets the Node driver start instances and raise events.
using Microsoft.Azure.WebJobs.Host.Config;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Extensions.DurableTask;
using OracleHost;

// This machine sets CONTAINER_NAME, which the extension reads as Linux Consumption
// (5 concurrent orchestrators and a flood of event logs). The oracle runs as a dedicated host.
Environment.SetEnvironmentVariable("CONTAINER_NAME", null);
Environment.SetEnvironmentVariable("FUNCTIONS_WORKER_RUNTIME", "node");

var hub = Environment.GetEnvironmentVariable("ORACLE_TASK_HUB") ?? "oracle";
var controlPort = int.Parse(Environment.GetEnvironmentVariable("ORACLE_CONTROL_PORT") ?? "17080");
Bridge.BaseUrl = Environment.GetEnvironmentVariable("ORACLE_BRIDGE_URL")
    ?? throw new InvalidOperationException("ORACLE_BRIDGE_URL is required");

// The public webhook base the client binding names (creationUrls, statusQueryGetUri): the local
// host's /runtime/webhooks/durabletask, which forwards to the extension's own listener. The
// Functions host provides it in Azure; a WebJobs console host must.
var webhooks = new Uri(Environment.GetEnvironmentVariable("ORACLE_WEBHOOK_URL")
    ?? "http://127.0.0.1:7071/runtime/webhooks/durabletask");

var host = new HostBuilder()
    .ConfigureAppConfiguration(c => c.AddEnvironmentVariables())
    .ConfigureServices(s => s.AddSingleton<IWebHookProvider>(new WebhookProvider(webhooks)))
    .ConfigureWebJobs(b =>
    {
        b.AddDurableTask(o =>
        {
            o.HubName = hub;
            // Poll often: the goldens are recorded in seconds, not minutes.
            o.StorageProvider["maxQueuePollingInterval"] = "00:00:00.500";
            o.StorageProvider["partitionCount"] = 1;
        });
    })
    .ConfigureLogging(l => l.AddConsole().SetMinimumLevel(LogLevel.Warning))
    .Build();

// Started by the local host (DURABLE_ENGINE=extension): it goes when the host goes, even a killed one.
if (int.TryParse(Environment.GetEnvironmentVariable("ORACLE_PARENT_PID"), out var parent))
    _ = Task.Run(async () =>
    {
        while (true)
        {
            await Task.Delay(2000);
            try { System.Diagnostics.Process.GetProcessById(parent); }
            catch (ArgumentException) { Environment.Exit(0); }
        }
    });

await host.StartAsync();
var jobHost = (JobHost)host.Services.GetService(typeof(IJobHost))!;
await jobHost.CallAsync(nameof(Shims.CaptureClient));
await jobHost.CallAsync(nameof(Shims.CaptureClientBinding));
var control = new ControlApi(controlPort, Bridge.Client!);
_ = control.RunAsync();
Console.WriteLine($"oracle ready: hub {hub}, control http://127.0.0.1:{controlPort}/");
await host.WaitForShutdownAsync();

/** The webhook base URL the extension puts in client bindings and status links. */
sealed class WebhookProvider(Uri url) : IWebHookProvider
{
    public Uri GetUrl(IExtensionConfigProvider extension) => url;
}
