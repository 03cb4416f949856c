namespace KestrelMessenger.Messages;

/// <summary>Message type numbers from Ceph's <c>msgr.h</c> and <c>Message.h</c>.</summary>
public static class MessageTypes
{
    /// <summary>CEPH_MSG_SHUTDOWN.</summary>
    public const ushort Shutdown = 1;
    /// <summary>CEPH_MSG_PING.</summary>
    public const ushort Ping = 2;
    /// <summary>CEPH_MSG_MON_MAP.</summary>
    public const ushort MonMap = 4;
    /// <summary>CEPH_MSG_MON_GET_MAP.</summary>
    public const ushort MonGetMap = 5;
    /// <summary>CEPH_MSG_MON_SUBSCRIBE.</summary>
    public const ushort MonSubscribe = 15;
    /// <summary>CEPH_MSG_MON_SUBSCRIBE_ACK.</summary>
    public const ushort MonSubscribeAck = 16;
    /// <summary>CEPH_MSG_AUTH.</summary>
    public const ushort Auth = 17;
    /// <summary>CEPH_MSG_AUTH_REPLY.</summary>
    public const ushort AuthReply = 18;
    /// <summary>CEPH_MSG_MON_GET_VERSION.</summary>
    public const ushort MonGetVersion = 19;
    /// <summary>CEPH_MSG_MON_GET_VERSION_REPLY.</summary>
    public const ushort MonGetVersionReply = 20;
    /// <summary>CEPH_MSG_OSD_MAP.</summary>
    public const ushort OsdMap = 41;
    /// <summary>CEPH_MSG_OSD_OP.</summary>
    public const ushort OsdOp = 42;
    /// <summary>CEPH_MSG_OSD_OPREPLY.</summary>
    public const ushort OsdOpReply = 43;
    /// <summary>MSG_MON_COMMAND.</summary>
    public const ushort MonCommand = 50;
    /// <summary>MSG_MON_COMMAND_ACK.</summary>
    public const ushort MonCommandAck = 51;
    /// <summary>MSG_CONFIG.</summary>
    public const ushort Config = 62;
    /// <summary>MSG_OSD_PING.</summary>
    public const ushort OsdPing = 70;
    /// <summary>MSG_OSD_BOOT.</summary>
    public const ushort OsdBoot = 71;
    /// <summary>MSG_OSD_FAILURE.</summary>
    public const ushort OsdFailure = 72;
    /// <summary>MSG_OSD_BEACON.</summary>
    public const ushort OsdBeacon = 79;
    /// <summary>MSG_COMMAND: a command for a daemon (<c>ceph tell</c>).</summary>
    public const ushort Command = 97;
    /// <summary>MSG_COMMAND_REPLY.</summary>
    public const ushort CommandReply = 98;
    /// <summary>MSG_MGR_MAP.</summary>
    public const ushort MgrMap = 0x704;

    /// <summary>Ceph's type name, for logs.</summary>
    public static string Name(ushort type) => type switch
    {
        Shutdown => "shutdown",
        Ping => "ping",
        MonMap => "mon_map",
        MonGetMap => "mon_get_map",
        MonSubscribe => "mon_subscribe",
        MonSubscribeAck => "mon_subscribe_ack",
        Auth => "auth",
        AuthReply => "auth_reply",
        MonGetVersion => "mon_get_version",
        MonGetVersionReply => "mon_get_version_reply",
        OsdMap => "osd_map",
        OsdOp => "osd_op",
        OsdOpReply => "osd_op_reply",
        MonCommand => "mon_command",
        MonCommandAck => "mon_command_ack",
        Config => "config",
        OsdPing => "osd_ping",
        OsdBoot => "osd_boot",
        OsdFailure => "osd_failure",
        OsdBeacon => "osd_beacon",
        Command => "command",
        CommandReply => "command_reply",
        MgrMap => "mgrmap",
        _ => "unknown",
    };
}
