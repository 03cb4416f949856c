using System.Globalization;

namespace KestrelMessenger.Tests.Harness;

/// <summary>One frame captured from a real Ceph 16.2.15 daemon: its title, the byte count the capture noted, and the bytes.</summary>
public sealed record GoldenFrame(string Title, int DeclaredLength, byte[] Bytes)
{
    public override string ToString() => Title;
}

/// <summary>Reads TestData/golden-frames.txt: "### title (N bytes on the wire)" followed by hex lines.</summary>
public static class GoldenFrames
{
    private static readonly Lazy<IReadOnlyList<GoldenFrame>> All = new(Load);

    public static IReadOnlyList<GoldenFrame> Frames => All.Value;

    public static GoldenFrame Get(string titleStart) => Frames.Single(f => f.Title.StartsWith(titleStart, StringComparison.Ordinal));

    /// <summary>Every frame except the banner, as xunit theory data.</summary>
    public static TheoryData<string> FrameTitles()
    {
        var data = new TheoryData<string>();
        foreach (GoldenFrame f in Frames.Where(f => !f.Title.StartsWith("banner", StringComparison.Ordinal)))
        {
            data.Add(f.Title);
        }

        return data;
    }

    private static List<GoldenFrame> Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "TestData", "golden-frames.txt");
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

                int open = line.LastIndexOf('(');
                title = line[3..open].Trim();
                declared = int.Parse(line[(open + 1)..].Split(' ')[0], CultureInfo.InvariantCulture);
                hex.Clear();
            }
            else if (title is not null && line.Length > 0 && !line.StartsWith('#'))
            {
                hex.Append(line);
            }
        }

        return frames;
    }
}
