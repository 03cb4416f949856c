using System.CommandLine;
using KestrelMessenger.Cli;

var root = new RootCommand("kmsgr: talk to Ceph msgr2 endpoints (monitors, OSDs, clients) with KestrelMessenger.")
{
    PingCommand.Create(),
    ListenCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
