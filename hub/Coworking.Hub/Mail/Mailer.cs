using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Coworking.Hub.Mail;

/// <summary>
/// Mail:Smtp:Host (with Port, Username, Password) sends over SMTP with MailKit; without a host every message is
/// written as an .eml file to Mail:PickupDirectory (default .local/mailbox under the working directory), the
/// local dev mailbox any mail client opens. Mail:From is the sender. SMTP always runs over TLS: STARTTLS, which the
/// server must offer (port 587, the default), or TLS from the first byte (port 465, or Mail:Smtp:ImplicitTls=true);
/// sign-in links and PINs never cross the network in the clear. Only Mail:Smtp:LocalRelay=true, for a relay on the
/// same host or a trusted segment, sends without TLS.
/// </summary>
internal sealed record MailOptions(
    string? SmtpHost, int SmtpPort, string? Username, string? Password, string From, string PickupDirectory, SecureSocketOptions Security)
{
    public static MailOptions Read(IConfiguration configuration, IHostEnvironment environment)
    {
        var port = configuration.GetValue("Mail:Smtp:Port", 587);
        var security = configuration.GetValue("Mail:Smtp:LocalRelay", false) ? SecureSocketOptions.None
            : configuration.GetValue("Mail:Smtp:ImplicitTls", port == 465) ? SecureSocketOptions.SslOnConnect
            : SecureSocketOptions.StartTls;
        return new MailOptions(
            configuration["Mail:Smtp:Host"],
            port,
            configuration["Mail:Smtp:Username"],
            configuration["Mail:Smtp:Password"],
            configuration["Mail:From"] ?? "Coworking <bookings@coworking.invalid>",
            configuration["Mail:PickupDirectory"] ?? Path.Combine(environment.ContentRootPath, ".local", "mailbox"),
            security);
    }
}

/// <summary>
/// Sends messages: over SMTP, or into the pickup directory without an SMTP host. Everything the hub mails goes
/// through the durable <see cref="MailOutbox"/>, which sends each batch it claims through one <see cref="MailSession"/>.
/// </summary>
internal sealed class Mailer(MailOptions options, TimeProvider time)
{
    /// <summary>A session for a run of messages: over SMTP, one connection made at the first message and kept.</summary>
    public MailSession Open() => new(options, time);
}

/// <summary>
/// Sends a run of messages. Over SMTP it connects (and authenticates) at the first message and sends the rest on
/// that connection; a failed message drops the connection, so the next one starts on a fresh one.
/// <see cref="Unreachable"/> tells that connecting itself failed, so the caller need not try the rest of its run.
/// </summary>
internal sealed class MailSession(MailOptions options, TimeProvider time) : IAsyncDisposable
{
    private SmtpClient? _smtp;

    public bool Unreachable { get; private set; }

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        message.From.Clear();
        message.From.Add(MailboxAddress.Parse(options.From));
        if (options.SmtpHost is null)
        {
            Directory.CreateDirectory(options.PickupDirectory);
            var name = $"{time.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid():N}.eml";
            var temporary = Path.Combine(options.PickupDirectory, name + ".tmp");
            await message.WriteToAsync(temporary, cancellationToken);
            File.Move(temporary, Path.Combine(options.PickupDirectory, name));
            return;
        }

        try
        {
            await (_smtp ??= await ConnectAsync(options.SmtpHost, cancellationToken)).SendAsync(message, cancellationToken);
        }
        catch (Exception) when (_smtp is not null)
        {
            await DropAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_smtp is { } smtp)
        {
            try
            {
                await smtp.DisconnectAsync(quit: true, CancellationToken.None);
            }
            catch (Exception e) when (e is IOException or SmtpCommandException or SmtpProtocolException)
            {
                // Every message was handed over already; a server that hangs up first loses nothing.
            }

            smtp.Dispose();
        }
    }

    private async Task<SmtpClient> ConnectAsync(string host, CancellationToken cancellationToken)
    {
        var smtp = new SmtpClient();
        try
        {
            await smtp.ConnectAsync(host, options.SmtpPort, options.Security, cancellationToken);
            if (options.Username is not null)
            {
                await smtp.AuthenticateAsync(options.Username, options.Password ?? string.Empty, cancellationToken);
            }

            return smtp;
        }
        catch (Exception)
        {
            smtp.Dispose();
            Unreachable = true;
            throw;
        }
    }

    private async Task DropAsync()
    {
        var smtp = _smtp!;
        _smtp = null;
        try
        {
            await smtp.DisconnectAsync(quit: false, CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or SmtpProtocolException)
        {
            // The connection is broken anyway; the next message opens a new one.
        }

        smtp.Dispose();
    }
}
