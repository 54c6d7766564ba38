using System.Net;
using System.Net.Sockets;

namespace Coworking.Testing;

/// <summary>A TCP port on 127.0.0.1 nothing listens on, for a process that must keep its address across restarts.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
