using System.Net.Http.Headers;
using System.Text;
using Microsoft.Azure.WebJobs.Extensions.DurableTask;
using Newtonsoft.Json.Linq;

namespace OracleHost;

/** Forwards each invocation to the Node bridge and hands its answer back to the extension. */
public static class Bridge
{
    public static string BaseUrl = "";
    public static IDurableClient? Client;
    public static string ClientBinding = "";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(5) };

    /**
     * An orchestrator episode: the context JSON goes to Node unchanged and the SDK's JSON comes
     * back unchanged. When the orchestrator threw, Node answers 500 with the SDK's message (which
     * carries its state after $OutOfProcData$:); the extension reads that state only from an
     * exception shaped like the Functions host's RPC error (OutOfProcExceptionHelpers.cs).
     */
    public static async Task<string> Orchestrate(string name, string context)
    {
        var (ok, body) = await Post($"orchestrator/{name}", context);
        if (ok) return body;
        throw new Exception($"Result: Failure\nException: {body}\nStack: at bridge ({name})");
    }

    /** An activity: its input as JSON to Node, its result as JSON back (the extension stores it). */
    public static async Task<JToken?> Activity(string name, string? input)
    {
        // Bound as a string, an out-of-process activity's input is its JSON text (the legacy
        // protocol of JavaScript apps), which the Node worker parses before the handler sees it.
        var (ok, body) = await Post($"activity/{name}", string.IsNullOrEmpty(input) ? "null" : input);
        if (!ok) throw new Exception(body);
        return JToken.Parse(body);
    }

    private static async Task<(bool, string)> Post(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await Http.PostAsync($"{BaseUrl.TrimEnd('/')}/{path}", content);
        return (response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
