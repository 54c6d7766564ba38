using System.Threading.Channels;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Coworking.Hub.Mail;

/// <summary>
/// Mail:Smtp:Host (with Port, Username, Password) sends over SMTP with MailKit; without a host every message is
/// written as an .eml file to Mail:PickupDirectory (default .local/mailbox under the working directory), the
/// local dev mailbox any mail client opens. Mail:From is the sender.
/// </summary>
internal sealed record MailOptions(string? SmtpHost, int SmtpPort, string? Username, string? Password, string From, string PickupDirectory)
{
    public static MailOptions Read(IConfiguration configuration, IHostEnvironment environment) => new(
        configuration["Mail:Smtp:Host"],
        configuration.GetValue("Mail:Smtp:Port", 587),
        configuration["Mail:Smtp:Username"],
        configuration["Mail:Smtp:Password"],
        configuration["Mail:From"] ?? "Coworking <bookings@coworking.invalid>",
        configuration["Mail:PickupDirectory"] ?? Path.Combine(environment.ContentRootPath, ".local", "mailbox"));
}

/// <summary>
/// Sends mail (<see cref="SendAsync"/>, used by the durable <see cref="MailOutbox"/> for confirmations), and composes
/// and sends the messages given to <see cref="Enqueue"/> after the request that caused them has answered. Enqueued
/// work waits in memory; a message that cannot be made or sent is logged (by what it is about, never its content)
/// and dropped.
/// </summary>
internal sealed partial class Mailer(MailOptions options, ILogger<Mailer> logger) : BackgroundService
{
    private readonly Channel<(Func<CancellationToken, Task<MimeMessage>> Compose, string About)> queue =
        Channel.CreateBounded<(Func<CancellationToken, Task<MimeMessage>>, string)>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Queues a message to be composed and sent; <paramref name="about"/> names it in logs (e.g. "booking 0196…").</summary>
    public void Enqueue(Func<CancellationToken, Task<MimeMessage>> compose, string about)
    {
        if (!queue.Writer.TryWrite((compose, about)))
        {
            LogDropped(logger, about);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var (compose, about) in queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await SendAsync(await compose(stoppingToken), stoppingToken);
                LogSent(logger, about);
            }
            catch (Exception e) when (e is IOException or Npgsql.NpgsqlException or SmtpCommandException or SmtpProtocolException or AuthenticationException or SslHandshakeException)
            {
                LogFailed(logger, about, e);
            }
        }
    }

    /// <summary>Sends one message now: over SMTP, or into the pickup directory without an SMTP host.</summary>
    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        message.From.Clear();
        message.From.Add(MailboxAddress.Parse(options.From));
        if (options.SmtpHost is null)
        {
            Directory.CreateDirectory(options.PickupDirectory);
            var name = $"{DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid():N}.eml";
            var temporary = Path.Combine(options.PickupDirectory, name + ".tmp");
            await message.WriteToAsync(temporary, cancellationToken);
            File.Move(temporary, Path.Combine(options.PickupDirectory, name));
            return;
        }

        using var smtp = new SmtpClient();
        await smtp.ConnectAsync(options.SmtpHost, options.SmtpPort, SecureSocketOptions.Auto, cancellationToken);
        if (options.Username is not null)
        {
            await smtp.AuthenticateAsync(options.Username, options.Password ?? string.Empty, cancellationToken);
        }

        await smtp.SendAsync(message, cancellationToken);
        await smtp.DisconnectAsync(quit: true, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Mailed {About}")]
    private static partial void LogSent(ILogger logger, string about);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not mail {About}")]
    private static partial void LogFailed(ILogger logger, string about, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mail queue full; dropped {About}")]
    private static partial void LogDropped(ILogger logger, string about);
}
