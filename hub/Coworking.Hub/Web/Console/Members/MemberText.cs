using Coworking.Hub.Members;
using Coworking.Hub.Memberships;

namespace Coworking.Hub.Web.Console.Members;

/// <summary>How the member pages word a member's status and membership.</summary>
internal static class MemberText
{
    public static string Status(MemberStatus value) => value switch
    {
        MemberStatus.Active => "Active",
        MemberStatus.Paused => "Paused",
        MemberStatus.Suspended => "Suspended",
        _ => "Cancelled",
    };

    public static string Channel(AcquisitionChannel value) => value switch
    {
        AcquisitionChannel.Website => "Website",
        AcquisitionChannel.Referral => "Referral",
        AcquisitionChannel.Partner => "Partner",
        _ => "Walk-in",
    };
}
