namespace KestrelMessenger.Cli;

/// <summary>kmsgr's exit codes: one per kind of failure, so scripts can tell them apart.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Usage = 1;
    public const int Refused = 2;
    public const int Timeout = 3;
    public const int NotMsgr2 = 4;
    public const int MissingFeatures = 5;
    public const int AuthRefused = 6;
    public const int Failed = 7;

    public const string Help = "exit codes: 0 ok, 1 usage, 2 connection refused, 3 timeout, 4 peer does not speak msgr2, 5 missing features, 6 auth refused, 7 other failure";

    /// <summary>Classifies the reason a connection closed before READY.</summary>
    public static int ForReason(string reason) => reason switch
    {
        _ when reason.Contains("refused", StringComparison.OrdinalIgnoreCase) && !reason.Contains("auth refused", StringComparison.Ordinal) => Refused,
        _ when reason.Contains("timed out", StringComparison.Ordinal) => Timeout,
        _ when reason.Contains("msgr1", StringComparison.Ordinal) || reason.Contains("not Ceph msgr2", StringComparison.Ordinal)
            || reason.Contains("not speaking Ceph msgr2", StringComparison.Ordinal) || reason.Contains("before sending a banner", StringComparison.Ordinal) => NotMsgr2,
        _ when reason.Contains("features", StringComparison.Ordinal) => MissingFeatures,
        _ when reason.Contains("auth refused", StringComparison.Ordinal) => AuthRefused,
        _ => Failed,
    };
}
