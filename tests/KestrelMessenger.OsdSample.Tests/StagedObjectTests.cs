using KestrelMessenger.OsdSample.Osd;
using KestrelMessenger.Wire;

namespace KestrelMessenger.OsdSample.Tests;

/// <summary>
/// A staged object reads as the store would hold it once the staged steps are applied: each row stages
/// steps on a stored object and compares the staged read with the store's own result of applying them.
/// </summary>
public class StagedObjectTests
{
    private static readonly byte[] Base = "0123456789"u8.ToArray();

    public static TheoryData<string, Mutation[]> Steps => new()
    {
        { "nothing", [] },
        { "a write inside", [Mutation.Write(2, "ab"u8.ToArray())] },
        { "a write past the end leaves a zero gap", [Mutation.Write(14, "ab"u8.ToArray())] },
        { "writefull shorter", [Mutation.WriteFull("xyz"u8.ToArray())] },
        { "truncate then grow again reads zeros, not the old bytes", [Mutation.Truncate(3), Mutation.Write(8, "Z"u8.ToArray())] },
        { "truncate longer", [Mutation.Truncate(13)] },
        { "zero inside", [Mutation.Zero(4, 3)] },
        { "zero past the end is clamped", [Mutation.Zero(8, 30)] },
        { "delete then write", [Mutation.Delete(), Mutation.Write(3, "q"u8.ToArray())] },
        { "create keeps the bytes", [Mutation.Create()] },
    };

    [Theory]
    [MemberData(nameof(Steps))]
    public void Staged_reads_match_the_applied_transaction(string what, Mutation[] steps)
    {
        var store = new ObjectStore();
        ObjectId id = ObjectId.Create(1, "", "", "o");
        store.Apply(id, [Mutation.WriteFull(Base)], new UTime(1, 0), 0);
        var staged = new StagedObject(store.Get(id));
        foreach (Mutation m in steps)
        {
            staged.Stage(m);
        }

        // Windows: the whole object, and one starting inside it and running past its end.
        byte[] whole = new byte[staged.Size];
        staged.Read(0, whole);
        byte[] window = new byte[staged.Size > 2 ? staged.Size - 2 + 5 : 0];
        staged.Read(2, window);

        store.Apply(id, steps, new UTime(2, 0), 0);
        byte[] applied = store.Read(id) ?? [];
        Assert.True(Convert.ToHexString(applied) == Convert.ToHexString(whole), what);
        byte[] expectedWindow = [.. applied.Skip(2), .. new byte[window.Length - Math.Max(0, applied.Length - 2)]];
        Assert.True(Convert.ToHexString(expectedWindow) == Convert.ToHexString(window), what);
        Assert.Equal((ulong)applied.Length, staged.Size);
    }

    [Fact]
    public void Staging_never_touches_the_store()
    {
        var store = new ObjectStore();
        ObjectId id = ObjectId.Create(1, "", "", "o");
        store.Apply(id, [Mutation.WriteFull(Base)], new UTime(1, 0), 0);
        var staged = new StagedObject(store.Get(id));
        staged.Stage(Mutation.Delete());
        staged.Stage(Mutation.Write(0, "gone"u8.ToArray()));
        Assert.Equal(Base, store.Read(id));
    }

    [Fact]
    public void The_store_refuses_a_transaction_it_cannot_hold_before_changing_anything()
    {
        var store = new ObjectStore();
        ObjectId id = ObjectId.Create(1, "", "", "o");
        store.Apply(id, [Mutation.WriteFull(Base)], new UTime(1, 0), 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => store.Apply(id, [Mutation.Delete(), Mutation.Write(3UL << 30, "x"u8.ToArray())], new UTime(2, 0), 0));
        Assert.Equal(Base, store.Read(id));
    }
}
