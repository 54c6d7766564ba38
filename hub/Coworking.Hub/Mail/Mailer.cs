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
/// Sends one message: over SMTP, or into the pickup directory without an SMTP host. Everything the hub mails goes
/// through the durable <see cref="MailOutbox"/>, which calls this.
/// </summary>
internal sealed class Mailer(MailOptions options, TimeProvider time)
{
    /// <summary>Sends one message now: over SMTP, or into the pickup directory without an SMTP host.</summary>
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

        using var smtp = new SmtpClient();
        await smtp.ConnectAsync(options.SmtpHost, options.SmtpPort, SecureSocketOptions.Auto, cancellationToken);
        if (options.Username is not null)
        {
            await smtp.AuthenticateAsync(options.Username, options.Password ?? string.Empty, cancellationToken);
        }

        await smtp.SendAsync(message, cancellationToken);
        await smtp.DisconnectAsync(quit: true, cancellationToken);
    }
}
