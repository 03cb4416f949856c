using Microsoft.Extensions.Options;

namespace KestrelMessenger.Hosting;

/// <summary>Rejects unusable messenger options at host start, naming the messenger and the problem.</summary>
internal sealed class MessengerOptionsValidator : IValidateOptions<MessengerOptions>
{
    public ValidateOptionsResult Validate(string? name, MessengerOptions options)
    {
        string[] problems = [.. options.Validate()];
        return problems.Length == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(problems.Select(p => $"messenger '{name}': {p}"));
    }
}
