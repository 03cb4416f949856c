using KestrelMessenger.Messages;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Osd;

/// <summary><c>ceph tell osd.N …</c>: MCommand in, MCommandReply out (Ceph 16.2's OSD::handle_command).</summary>
public sealed partial class Osd
{
    private void HandleCommand(MCommand command)
    {
        CommandResult result;
        try
        {
            result = TellCommands.Execute(command.Command);
        }
        catch (Exception e)
        {
            OpLog.CommandFailed(logger, e, Id, command.ToString());
            result = new CommandResult(Errno.EIO, "internal error running the command", []);
        }

        if (result.Result < 0)
        {
            OpLog.CommandRefused(logger, Id, string.Concat(command.Command), result.Result, result.Status);
        }

        command.Connection?.SendMessage(MCommandReply.For(command, result.Result, result.Status, result.Output));
    }
}
