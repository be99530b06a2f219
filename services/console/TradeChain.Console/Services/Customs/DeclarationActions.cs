using System.Security.Claims;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Console.Services.Customs;

public enum DeclarationAction
{
    Assign, RequestDocuments, DocumentaryCheck, Examination, Release, Reroute, Reject, ConfirmExit,
    Amend, Cancel, AnswerRequest,
}

/// <summary>
/// Which actions to offer on a declaration: a mirror of customs' rules (Domain/Declaration.cs, CustomsProcess.EnsureAssigned)
/// so the page does not offer what the API would refuse. The API still decides; its refusal is shown as it is.
/// </summary>
public static class DeclarationActions
{
    private static readonly string[] Final = ["Released", "Exited", "Rejected", "Cancelled"];
    private static readonly string[] InCheck = ["UnderDocumentaryCheck", "UnderExamination"];
    private static readonly string[] Reroutable = ["Assessed", "Paid", "UnderDocumentaryCheck", "UnderExamination"];

    public static IReadOnlyList<DeclarationAction> Allowed(Declaration d, ClaimsPrincipal user)
    {
        var actions = new List<DeclarationAction>();
        var final = Final.Contains(d.Status);
        if (user.IsInRole(Roles.CustomsOfficer))
        {
            // The console's session carries the same subject and party claims as the token, so Actor() names the officer as customs does.
            var mine = d.AssignedOfficer == user.Actor();
            var takenByColleague = d.AssignedOfficer is not null && !mine && InCheck.Contains(d.Status);
            var startsCheck = d.Status == "Paid" && d.Lane is "Yellow" or "Red";
            if (!final && !takenByColleague && (!mine || startsCheck)) actions.Add(DeclarationAction.Assign);
            if (mine && d.Status == "UnderDocumentaryCheck") actions.AddRange([DeclarationAction.RequestDocuments, DeclarationAction.DocumentaryCheck]);
            if (mine && d.Status == "UnderExamination") actions.Add(DeclarationAction.Examination);
            if (mine && d.Status == "ReadyForRelease") actions.Add(DeclarationAction.Release);
            if (Reroutable.Contains(d.Status) && (mine || !InCheck.Contains(d.Status))) actions.Add(DeclarationAction.Reroute);
            if (!final) actions.Add(DeclarationAction.Reject);
            if (d.Status == "Released") actions.Add(DeclarationAction.ConfirmExit);
        }
        else if (user.IsInRole(Roles.Exporter))
        {
            if (d.Status is "Registered" or "Assessed") actions.Add(DeclarationAction.Amend);
            if (d.Status == "AwaitingDocuments") actions.Add(DeclarationAction.AnswerRequest);
            if (!final) actions.Add(DeclarationAction.Cancel);
        }
        return actions;
    }

    /// <summary>Why an officer sees no check actions on a declaration in its checks: it is someone else's, or not yet taken.</summary>
    public static string? WhyNotMine(Declaration d, ClaimsPrincipal user) =>
        !user.IsInRole(Roles.CustomsOfficer) || Final.Contains(d.Status) ? null
        : d.AssignedOfficer is null ? (InCheck.Contains(d.Status) || d.Status == "ReadyForRelease" ? "Assign the declaration to yourself to act on it." : null)
        : d.AssignedOfficer != user.Actor() && (InCheck.Contains(d.Status) || d.Status == "ReadyForRelease")
            ? $"Assigned to {d.AssignedOfficer}: only that officer may act on its check and release it."
            : null;
}
