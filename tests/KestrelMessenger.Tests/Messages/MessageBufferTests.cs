using System.Buffers;
using KestrelMessenger.Messages;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Messages;

/// <summary>Shareable payloads: references to pooled bytes, counted, released once, never aliased after release.</summary>
[Collection(nameof(Sessions.BufferAccounting))]
public class MessageBufferTests
{
    [Fact]
    public void A_shared_buffer_lives_until_its_last_reference_is_disposed()
    {
        long before = MessageBuffer.LiveBlocks;
        MessageBuffer original = MessageBuffer.CopyOf("hello, world"u8);
        MessageBuffer shared = original.Share();
        MessageBuffer slice = original.Slice(7, 5);
        Assert.Equal(before + 1, MessageBuffer.LiveBlocks);

        original.Dispose();
        original.Dispose(); // a second dispose of the same reference does nothing
        Assert.Equal("hello, world"u8.ToArray(), shared.Span.ToArray());
        shared.Dispose();
        Assert.Equal("world"u8.ToArray(), slice.Span.ToArray());
        Assert.Equal(before + 1, MessageBuffer.LiveBlocks);
        slice.Dispose();
        Assert.Equal(before, MessageBuffer.LiveBlocks);
        Assert.Throws<ObjectDisposedException>(() => slice.Share());
    }

    [Fact]
    public void Concatenation_shares_the_pieces_and_slices_across_them()
    {
        using MessageBuffer a = MessageBuffer.CopyOf("abc"u8);
        using MessageBuffer b = MessageBuffer.CopyOf("defg"u8);
        using MessageBuffer ab = MessageBuffer.Concat(a, MessageBuffer.Empty, b);
        Assert.False(ab.IsSingleSegment);
        Assert.Equal(7, ab.Length);
        Assert.Equal("abcdefg"u8.ToArray(), ab.Sequence.ToArray());
        Assert.Throws<InvalidOperationException>(() => ab.Memory);

        using MessageBuffer middle = ab.Slice(2, 3);
        Assert.Equal("cde"u8.ToArray(), middle.Sequence.ToArray());
        using MessageBuffer tail = ab.Slice(4, 3);
        Assert.True(tail.IsSingleSegment);
        Assert.Equal("efg"u8.ToArray(), tail.Span.ToArray());
        Assert.Same(MessageBuffer.Empty, ab.Slice(7, 0));
    }

    [Fact]
    public void A_retained_message_keeps_its_segments_after_its_owner_is_done()
    {
        long before = MessageBuffer.LiveBlocks;
        var m = new Message(0x7000) { Front = MessageBuffer.CopyOf([1, 2, 3]), Data = MessageBuffer.CopyOf([4, 5]) };
        IDisposable kept = m.Retain();
        m.Dispose();
        m.Dispose();
        Assert.Equal([1, 2, 3], m.Front.Span.ToArray());
        kept.Dispose();
        kept.Dispose();
        Assert.Equal(before, MessageBuffer.LiveBlocks);
        Assert.Throws<ObjectDisposedException>(() => m.Retain());
    }

    [Fact]
    public void Encoding_for_the_wire_shares_the_segments_and_leaves_the_message_as_it_was()
    {
        long before = MessageBuffer.LiveBlocks;
        var m = new Message(0x7000, version: 3) { Tid = 9, Front = MessageBuffer.CopyOf([1, 2]), Data = MessageBuffer.CopyOf([3]) };
        using var scratch = new DencWriter();
        OutgoingMessage first = m.Encode(scratch, CephFeatures.All);
        OutgoingMessage second = m.Encode(scratch, CephFeatures.All);
        m.Dispose();
        Assert.Equal(first.Front.Span.ToArray(), second.Front.Span.ToArray());
        Assert.Equal(first.Data.Span.ToArray(), second.Data.Span.ToArray());
        Assert.Equal([1, 2], first.Front.Span.ToArray());
        Assert.Equal([3], first.Data.Span.ToArray());
        Assert.Equal(((ushort)3, 9ul), (first.Version, first.Tid));
        first.Dispose();
        second.Dispose();
        Assert.Equal(before, MessageBuffer.LiveBlocks);
    }

    [Fact]
    public void Bytes_in_pieces_are_shared_by_a_view_of_their_sequence_and_copied_once_into_one_piece_on_request()
    {
        using MessageBuffer a = MessageBuffer.CopyOf("hello, "u8);
        using MessageBuffer b = MessageBuffer.CopyOf("world"u8);
        using MessageBuffer whole = MessageBuffer.Concat(a, b).WithSegmentCrc(Crc32C.Segment("hello, world"u8));
        Assert.False(whole.IsSingleSegment);

        // A view across the two pieces, taken from the buffer's own sequence, maps back to a shared slice.
        Assert.True(whole.TryShare(whole.Sequence.Slice(5, 4), out MessageBuffer? across));
        using (across)
        {
            Assert.Equal(", wo"u8.ToArray(), across!.Sequence.ToArray());
        }

        // The same bytes in another buffer's sequence are not this buffer's.
        using MessageBuffer other = MessageBuffer.Concat(a, b);
        Assert.False(whole.TryShare(other.Sequence.Slice(5, 4), out _));

        using MessageBuffer one = whole.InOnePiece();
        Assert.True(one.IsSingleSegment);
        Assert.Equal("hello, world"u8.ToArray(), one.Span.ToArray());
        Assert.True(one.TryGetSegmentCrc(out uint crc), "what was known of the bytes carries over");
        Assert.Equal(Crc32C.Segment("hello, world"u8), crc);

        using MessageBuffer already = one.InOnePiece();
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(already.Memory, out ArraySegment<byte> x)
            && System.Runtime.InteropServices.MemoryMarshal.TryGetArray(one.Memory, out ArraySegment<byte> y) && ReferenceEquals(x.Array, y.Array),
            "bytes already in one piece are shared, not copied");
    }
}
