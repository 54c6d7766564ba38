using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coworking.Edge.Tests.Support;

public static class Logs
{
    public static ILogger<T> For<T>() => NullLogger<T>.Instance;

    public static ILoggerFactory Factory => NullLoggerFactory.Instance;
}
