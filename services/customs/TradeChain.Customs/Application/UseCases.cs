namespace TradeChain.Customs.Application;

/// <summary>Customs' use cases, one handler each: load the declaration, let the domain decide, save.</summary>
public static class UseCases
{
    public static IServiceCollection AddCustomsUseCases(this IServiceCollection services) => services
        .AddScoped<Declarations>()
        // The declarant
        .AddScoped<LodgeDeclaration>()
        .AddScoped<AmendDeclaration>()
        .AddScoped<SubmitAdditionalDocuments>()
        .AddScoped<CancelDeclaration>()
        // The other services' answers
        .AddScoped<ApplyDocumentsVerification>()
        .AddScoped<RecordDutyPayment>()
        .AddScoped<AttestRelease>()
        // The officer
        .AddScoped<AssignDeclaration>()
        .AddScoped<RerouteDeclaration>()
        .AddScoped<RequestDocuments>()
        .AddScoped<CompleteDocumentaryCheck>()
        .AddScoped<RecordExamination>()
        .AddScoped<ReleaseGoods>()
        .AddScoped<RejectDeclaration>()
        .AddScoped<ConfirmExit>();
}
