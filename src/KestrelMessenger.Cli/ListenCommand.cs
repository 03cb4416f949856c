using System.CommandLine;
using KestrelMessenger.Dispatch;
using KestrelMessenger.Hosting;
using KestrelMessenger.Messages;
using KestrelMessenger.Transport.Capture;
using KestrelMessenger.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KestrelMessenger.Cli;

/// <summary><c>kmsgr listen ADDR</c>: a messenger that accepts anyone and prints every handshake and message.</summary>
internal static class ListenCommand
{
    public static Command Create()
    {
        var address = new Argument<string>("ADDR") { Description = "address to bind: v2:IP:PORT[/NONCE] (use nonce 0 to pose as a monitor)" };
        var entity = new Option<string>("--entity", "-n") { Description = "our entity name, type.number", DefaultValueFactory = _ => "mon.0" };
        var record = new Option<FileInfo?>("--record") { Description = "append each connection's raw frames to this file, in the golden-frame text format" };
        var command = new Command("listen", $"Accept msgr2 connections (auth none only) and print each handshake and message until Ctrl+C. {ExitCodes.Help}") { address, entity, record };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(address)!, parse.GetValue(entity)!, parse.GetValue(record), ct));
        return command;
    }

    private static async Task<int> RunAsync(string address, string entity, FileInfo? record, CancellationToken ct)
    {
        if (!EntityAddr.TryParse(address, EntityAddrType.Msgr2, out EntityAddr? bind) || bind.EndPoint is null)
        {
            Console.Error.WriteLine($"kmsgr: '{address}' is not a msgr2 address (v2:IP:PORT[/NONCE])");
            return ExitCodes.Usage;
        }

        if (!EntityName.TryParse(entity, out _))
        {
            Console.Error.WriteLine($"kmsgr: '{entity}' is not an entity name (type.number, for example mon.0)");
            return ExitCodes.Usage;
        }

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddCephMessenger("listen", o =>
        {
            o.Entity = entity;
            o.Nonce = bind.Nonce;
            o.BindTo($"v2:{bind.EndPoint}");
            if (record is not null)
            {
                o.ConnectionMiddleware.Add(b => b.UseCephCapture(capture =>
                {
                    lock (record)
                    {
                        File.AppendAllText(record.FullName, capture.ToGoldenText(entity, $"peer {capture.Remote}"));
                    }

                    Console.WriteLine($"recorded {capture.Sent.Length} bytes sent, {capture.Received.Length} received to {record.FullName}");
                }));
            }
        }).AddDispatcher<Printer>();

        try
        {
            await using WebApplication app = builder.Build();
            await app.StartAsync(ct);
            Messenger messenger = app.Services.GetMessenger("listen");
            Console.WriteLine($"listening as {messenger.MyName} on {messenger.MyAddrs}; Ctrl+C stops");
            await app.WaitForShutdownAsync(ct);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"kmsgr: {e.Message}");
            return ExitCodes.Refused;
        }
        catch (OperationCanceledException)
        {
        }

        Console.WriteLine("stopped");
        return ExitCodes.Ok;
    }

    /// <summary>Prints what arrives, in the order it is dispatched.</summary>
    internal sealed class Printer : IDispatcher
    {
        public void HandleAccept(IConnection connection)
        {
            Protocol.HandshakeResult h = connection.Handshake!;
            Console.WriteLine($"accept   {connection.PeerName} ({h.PeerAuthName}) from {connection.PeerAddrs}: features 0x{h.PeerFeatures:x16}, {h.Mode.ToString().ToLowerInvariant()}, global_id {h.GlobalId}");
        }

        public bool HandleReset(IConnection connection)
        {
            Console.WriteLine($"reset    {connection.PeerName}: {connection.CloseReason}");
            return true;
        }

        public ValueTask<bool> DispatchAsync(Message message)
        {
            Console.WriteLine($"message  {message.Source} {MessageTypes.Name(message.Type)}({message.Type}) v{message.Version} seq {message.Seq} tid {message.Tid} front {message.Front.Length} middle {message.Middle.Length} data {message.Data.Length}");
            return ValueTask.FromResult(true);
        }
    }
}
