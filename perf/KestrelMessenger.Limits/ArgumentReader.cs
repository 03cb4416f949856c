using System.Globalization;
using System.Numerics;

namespace KestrelMessenger.Limits;

/// <summary>Walks <c>--name value</c> and <c>--name=value</c> arguments (by hand: no extra packages). Errors are <see cref="FormatException"/>s.</summary>
internal sealed class ArgumentReader(string[] args)
{
    private int _index = -1;
    private string? _inline;

    /// <summary>The current option's name.</summary>
    public string Name { get; private set; } = "";

    public bool MoveNext()
    {
        if (++_index >= args.Length)
        {
            return false;
        }

        string name = args[_index];
        int eq = name.IndexOf('=', StringComparison.Ordinal);
        bool split = name.StartsWith("--", StringComparison.Ordinal) && eq > 0;
        Name = split ? name[..eq] : name;
        _inline = split ? name[(eq + 1)..] : null;
        return true;
    }

    public string Value()
    {
        if (_inline is not null)
        {
            return _inline;
        }

        if (_index + 1 >= args.Length)
        {
            throw new FormatException($"{Name} needs a value");
        }

        return args[++_index];
    }

    public T Number<T>(T min, T max) where T : INumber<T>
    {
        string text = Value();
        if (!T.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out T? value) || value is null)
        {
            throw new FormatException($"{Name}: '{text}' is not a number");
        }

        return value >= min && value <= max
            ? value
            : throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{Name} must be {min} .. {max}"));
    }

    public FormatException Unknown() => new($"unknown option '{Name}'");
}
