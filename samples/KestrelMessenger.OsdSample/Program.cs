using System.CommandLine;
using KestrelMessenger.OsdSample;

var root = new RootCommand("A Kestrel-hosted Ceph OSD built on KestrelMessenger: seven messengers, heartbeats, object I/O, replication.")
{
    Commands.Osd(),
    Commands.Demo(),
    Commands.Bench(),
};
return await root.Parse(args).InvokeAsync();
