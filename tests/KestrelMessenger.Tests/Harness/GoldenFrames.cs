using System.Globalization;

namespace KestrelMessenger.Tests.Harness;

/// <summary>One frame captured from a real Ceph 16.2.15 daemon: its title, the byte count the capture noted, and the bytes.</summary>
public sealed record GoldenFrame(string Title, int DeclaredLength, byte[] Bytes)
{
    public override string ToString() => Title;
}

/// <summary>
/// Reads golden-frame files: "### title (N bytes on the wire)" followed by hex lines. TestData holds
/// golden-frames.txt (captured from real daemons for the reference notes) and golden-*.txt files
/// recorded by `kmsgr listen --record` from real Ceph clients.
/// </summary>
public static class GoldenFrames
{
    private static readonly Lazy<IReadOnlyList<GoldenFrame>> All = new(Load);

    public static IReadOnlyList<GoldenFrame> Frames => All.Value;

    public static GoldenFrame Get(string title) =>
        Frames.FirstOrDefault(f => f.Title == title) ?? Frames.First(f => f.Title.StartsWith(title, StringComparison.Ordinal));

    /// <summary>Every frame except the banner, as xunit theory data.</summary>
    public static TheoryData<string> FrameTitles()
    {
        var data = new TheoryData<string>();
        foreach (GoldenFrame f in Frames.Where(f => !f.Title.Contains("banner", StringComparison.Ordinal)))
        {
            data.Add(f.Title);
        }

        return data;
    }

    private static List<GoldenFrame> Load() =>
    [
        .. Load(Path.Combine(AppContext.BaseDirectory, "TestData", "golden-frames.txt")),
        .. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "TestData"), "golden-*.txt")
            .Where(p => Path.GetFileName(p) != "golden-frames.txt")
            .Order()
            .SelectMany(p => Load(p).Select(f => f with { Title = $"{Path.GetFileNameWithoutExtension(p)}: {f.Title}" })),
    ];

    public static IReadOnlyList<GoldenFrame> Load(string path)
    {
        var frames = new List<GoldenFrame>();
        string? title = null;
        int declared = 0;
        var hex = new System.Text.StringBuilder();
        foreach (string raw in File.ReadLines(path).Append("### end (0 bytes)"))
        {
            string line = raw.Trim();
            if (line.StartsWith("###", StringComparison.Ordinal))
            {
                if (title is not null)
                {
                    frames.Add(new GoldenFrame(title, declared, Convert.FromHexString(hex.ToString())));
                }

                hex.Clear();
                int open = line.LastIndexOf('(');
                title = line[3..open].Trim();
                if (title == "end" && line.EndsWith("(0 bytes)", StringComparison.Ordinal))
                {
                    title = null;
                    continue;
                }

                declared = int.Parse(line[(open + 1)..].Split(' ')[0], CultureInfo.InvariantCulture);
            }
            else if (title is not null && line.Length > 0 && !line.StartsWith('#'))
            {
                hex.Append(line);
            }
        }

        return frames;
    }
}
