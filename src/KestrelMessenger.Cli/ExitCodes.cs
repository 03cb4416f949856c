using KestrelMessenger.Protocol;

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
    public const int PeerClosed = 8;

    public const string Help = "exit codes: 0 ok, 1 usage, 2 connection refused, 3 timeout, 4 peer does not speak msgr2, 5 missing features, 6 auth refused, 7 other failure, 8 peer closed the connection";

    /// <summary>The exit code for a connection that ended with <paramref name="kind"/>.</summary>
    public static int For(FailureKind kind) => kind switch
    {
        FailureKind.Refused => Refused,
        FailureKind.TimedOut => Timeout,
        FailureKind.NotMsgr2 => NotMsgr2,
        FailureKind.MissingFeatures => MissingFeatures,
        FailureKind.AuthRefused => AuthRefused,
        FailureKind.PeerClosed => PeerClosed,
        _ => Failed,
    };
}
