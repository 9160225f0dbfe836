// The registered names the oracle can run, one shim each (the WebJobs SDK finds functions by
// attribute, so names are static). test/oracle/goldens.test.ts checks this list against
// shared/contracts/names.ts and the conformance fixture, so a new orchestrator or activity
// cannot be forgotten here.
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Extensions.DurableTask;
using Newtonsoft.Json.Linq;

namespace OracleHost;

public static class Shims
{
    [NoAutomaticTrigger]
    public static void CaptureClient([DurableClient] IDurableClient client) => Bridge.Client = client;

    /** The durableClient input the extension gives an out-of-process worker (its rpcBaseUrl included). */
    [NoAutomaticTrigger]
    public static void CaptureClientBinding([DurableClient] string binding) => Bridge.ClientBinding = binding;

    [FunctionName("publishSubmission")]
    public static Task<string> Orchestrator_publishSubmission([OrchestrationTrigger] string context) => Bridge.Orchestrate("publishSubmission", context);

    [FunctionName("confAnyOfThree")]
    public static Task<string> Orchestrator_confAnyOfThree([OrchestrationTrigger] string context) => Bridge.Orchestrate("confAnyOfThree", context);

    [FunctionName("confRace")]
    public static Task<string> Orchestrator_confRace([OrchestrationTrigger] string context) => Bridge.Orchestrate("confRace", context);

    [FunctionName("confRetry")]
    public static Task<string> Orchestrator_confRetry([OrchestrationTrigger] string context) => Bridge.Orchestrate("confRetry", context);

    [FunctionName("confTwoWaits")]
    public static Task<string> Orchestrator_confTwoWaits([OrchestrationTrigger] string context) => Bridge.Orchestrate("confTwoWaits", context);

    [FunctionName("confAllOfThree")]
    public static Task<string> Orchestrator_confAllOfThree([OrchestrationTrigger] string context) => Bridge.Orchestrate("confAllOfThree", context);

    [FunctionName("confLongTimer")]
    public static Task<string> Orchestrator_confLongTimer([OrchestrationTrigger] string context) => Bridge.Orchestrate("confLongTimer", context);

    [FunctionName("confCancelLong")]
    public static Task<string> Orchestrator_confCancelLong([OrchestrationTrigger] string context) => Bridge.Orchestrate("confCancelLong", context);

    [FunctionName("confCancelLongThenWait")]
    public static Task<string> Orchestrator_confCancelLongThenWait([OrchestrationTrigger] string context) => Bridge.Orchestrate("confCancelLongThenWait", context);

    [FunctionName("confCounter")]
    public static Task<string> Orchestrator_confCounter([OrchestrationTrigger] string context) => Bridge.Orchestrate("confCounter", context);

    [FunctionName("confThrows")]
    public static Task<string> Orchestrator_confThrows([OrchestrationTrigger] string context) => Bridge.Orchestrate("confThrows", context);

    [FunctionName("recordTransition")]
    public static Task<JToken?> Activity_recordTransition([ActivityTrigger] string? input) => Bridge.Activity("recordTransition", input);

    [FunctionName("validatePrerequisites")]
    public static Task<JToken?> Activity_validatePrerequisites([ActivityTrigger] string? input) => Bridge.Activity("validatePrerequisites", input);

    [FunctionName("readPackageReport")]
    public static Task<JToken?> Activity_readPackageReport([ActivityTrigger] string? input) => Bridge.Activity("readPackageReport", input);

    [FunctionName("validateTestDrive")]
    public static Task<JToken?> Activity_validateTestDrive([ActivityTrigger] string? input) => Bridge.Activity("validateTestDrive", input);

    [FunctionName("sendTestLead")]
    public static Task<JToken?> Activity_sendTestLead([ActivityTrigger] string? input) => Bridge.Activity("sendTestLead", input);

    [FunctionName("buildPreviewPackage")]
    public static Task<JToken?> Activity_buildPreviewPackage([ActivityTrigger] string? input) => Bridge.Activity("buildPreviewPackage", input);

    [FunctionName("sendReminder")]
    public static Task<JToken?> Activity_sendReminder([ActivityTrigger] string? input) => Bridge.Activity("sendReminder", input);

    [FunctionName("escalateReview")]
    public static Task<JToken?> Activity_escalateReview([ActivityTrigger] string? input) => Bridge.Activity("escalateReview", input);

    [FunctionName("publishPackage")]
    public static Task<JToken?> Activity_publishPackage([ActivityTrigger] string? input) => Bridge.Activity("publishPackage", input);

    [FunctionName("confStep")]
    public static Task<JToken?> Activity_confStep([ActivityTrigger] string? input) => Bridge.Activity("confStep", input);
}
