using System.Net;
using System.Text;
using Microsoft.Azure.WebJobs.Extensions.DurableTask;
using Newtonsoft.Json.Linq;

namespace OracleHost;

/**
 * The durable client operations the Node driver needs, on loopback only:
 * POST /start {name, instanceId, input}, POST /raise {instanceId, name, data},
 * POST /terminate {instanceId, reason}, GET /status/{instanceId}, and GET /client-binding: the
 * durableClient input the extension gives an out-of-process worker (DURABLE_ENGINE=extension).
 * The driver reads the persisted history itself, from the task hub's History table.
 */
public sealed class ControlApi(int port, IDurableClient client)
{
    public async Task RunAsync()
    {
        var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        while (true)
        {
            var ctx = await listener.GetContextAsync();
            _ = Task.Run(() => Serve(ctx));
        }
    }

    private async Task Serve(HttpListenerContext ctx)
    {
        string answer;
        int code = 200;
        try
        {
            answer = await Dispatch(ctx.Request);
        }
        catch (Exception e)
        {
            code = 500;
            answer = new JObject { ["error"] = e.ToString() }.ToString();
        }
        var bytes = Encoding.UTF8.GetBytes(answer);
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.OutputStream.WriteAsync(bytes);
        ctx.Response.Close();
    }

    private async Task<string> Dispatch(HttpListenerRequest request)
    {
        var path = request.Url!.AbsolutePath.Trim('/');
        if (request.HttpMethod == "GET" && path == "client-binding") return Bridge.ClientBinding;
        if (request.HttpMethod == "GET" && path.StartsWith("status/"))
        {
            var status = await client.GetStatusAsync(Uri.UnescapeDataString(path["status/".Length..]), false, false, true);
            if (status == null) return "null";
            return new JObject
            {
                ["runtimeStatus"] = status.RuntimeStatus.ToString(),
                ["output"] = status.Output,
                ["customStatus"] = status.CustomStatus,
            }.ToString();
        }
        using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
        var body = JObject.Parse(await reader.ReadToEndAsync());
        switch (path)
        {
            case "start":
                var id = await client.StartNewAsync((string)body["name"]!, (string)body["instanceId"]!, body["input"]);
                return new JObject { ["instanceId"] = id }.ToString();
            case "raise":
                await client.RaiseEventAsync((string)body["instanceId"]!, (string)body["name"]!, body["data"]);
                return "{}";
            case "terminate":
                await client.TerminateAsync((string)body["instanceId"]!, (string?)body["reason"] ?? "oracle");
                return "{}";
            default:
                throw new InvalidOperationException($"no route {request.HttpMethod} /{path}");
        }
    }
}
