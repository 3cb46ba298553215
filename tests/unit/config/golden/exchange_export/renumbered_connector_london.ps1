# Exchange Management Shell script of site london (sites topology serial 2026120501), written by
#   sitedns export --format exchange --site london --method connector
# Change the topology and export again rather than edit this file.
# For Exchange 2010 SP2 to 2019 and Subscription Edition. london is an Exchange organisation
# of its own, in which the public domain example.com is an accepted domain already.
# The script converges: run again after the topology or the recipients changed, it
# creates what is missing, changes what differs and removes what it created before
# that the desired state below no longer has; a second run changes nothing. It acts
# on these only:
#   - the accepted domain of the location domain (created when missing);
#   - the address policy of earlier sitedns scripts, 'sitedns <location domain>'
#     (removed);
#   - mail contacts marked 'sitedns' in CustomAttribute1;
#   - secondary (smtp:) addresses at the location domain on mailboxes;
#   - send connectors whose name starts with 'sitedns '.
# Nothing else is changed: no other object, and no mailbox's primary address.
$ErrorActionPreference = 'Stop'

# ---------------------------------------------------------- the desired state
# What london's Exchange must hold. The steps below only read it.
$LocationDomain = 'london.example.local'
$Mark = 'sitedns'  # the CustomAttribute1 of the contacts it creates
$ConnectorPrefix = 'sitedns '  # the start of its send connectors' names
$OldPolicy = 'sitedns london.example.local'  # the address policy of earlier sitedns scripts

# london's own users: each public address's mailbox gets its location address.
$Mailboxes = @(
    @{ Public = 'carol@example.com'; Location = 'carol@london.example.local' }
)

# A mail contact for each user of the other sites: the public address,
# forwarded to the user's location address.
$Contacts = @(
    @{ Public = 'alice@example.com'; Target = 'alice@paris.example.local'; Name = 'alice (paris)'; Alias = 'alice' }
    @{ Public = 'bob@example.com'; Target = 'bob@madrid.example.local'; Name = 'bob (madrid)'; Alias = 'bob' }
    @{ Public = 'dave@example.com'; Target = 'dave@madrid.example.local'; Name = 'dave (madrid)'; Alias = 'dave' }
)

# Send connectors: each other site's location domain to its mail host by address.
$Connectors = @(
    @{ Name = 'sitedns paris.example.local'; AddressSpaces = @('SMTP:paris.example.local;1')
       DNSRoutingEnabled = $false; SmartHosts = @('[203.0.113.20]'); UseExternalDNSServersEnabled = $false
       RequireTLS = $true; TlsAuthLevel = 'DomainValidation'; TlsDomain = 'mail-paris.example.com' }
    @{ Name = 'sitedns madrid.example.local'; AddressSpaces = @('SMTP:madrid.example.local;1')
       DNSRoutingEnabled = $false; SmartHosts = @('[198.51.100.30]'); UseExternalDNSServersEnabled = $false
       RequireTLS = $false; TlsAuthLevel = $null; TlsDomain = $null }
)

# ------------------------------------------------------------------------ the steps
# Each compares the desired state above with what the Get- cmdlets return and changes
# only the difference, printing each change before it makes it.

# A setting as text to compare: a list sorted and joined, without the 'SMTP:', the cost
# of 1 and the brackets that Exchange may print or not ('SMTP:paris.example.local;1',
# '[203.0.113.20]'). Were two equal settings ever to compare unequal, a Set- that
# changes nothing would follow; never the other way round.
function Format-Setting($value) {
    $items = @($value | Where-Object { $null -ne $_ } |
        ForEach-Object { ("$_" -replace '^smtp:|;1$|^\[|\]$', '').ToLower() })
    ($items | Sort-Object) -join ','
}

function Write-Change($text) { Write-Host "sitedns: $text" }

# A marked contact brought to $c: its target and its name. The old target also leaves
# the contact's secondary addresses, so that it no longer answers for that address.
function Update-Contact($contact, $c) {
    $old = Format-Setting $contact.ExternalEmailAddress
    $new = Format-Setting $c.Target
    if ($old -eq $new -and "$($contact.Name)" -eq $c.Name) { return }
    Write-Change "Set-MailContact $($c.Public) -> $($c.Target)"
    Set-MailContact -Identity $c.Public -ExternalEmailAddress $c.Target -Name $c.Name -DisplayName $c.Name
    $stale = @($contact.EmailAddresses | ForEach-Object { "$_" } |
        Where-Object { $old -ne $new -and $_ -clike 'smtp:*' -and $_.Substring(5) -eq $old })
    if ($stale.Count -gt 0) {
        Write-Change "Set-MailContact $($c.Public), remove $($stale -join ', ')"
        Set-MailContact -Identity $c.Public -EmailAddresses @{ Remove = $stale }
    }
}

# The parameters of connector $c to pass: for an existing $connector those that differ
# ($null clears a setting), for a new one (no $connector) those that are set.
function Get-ConnectorChanges($connector, $c) {
    $changes = @{}
    foreach ($key in $c.Keys) {
        if ($key -eq 'Name') { continue }
        if ($connector) {
            if ((Format-Setting $connector.$key) -eq (Format-Setting $c[$key])) { continue }
        } elseif ($null -eq $c[$key]) {
            continue
        }
        $changes[$key] = $c[$key]
    }
    return $changes
}

# 1. The location domain: this organisation is authoritative for it. The address policy
#    of earlier sitedns scripts goes: it built the location addresses from the alias
#    (%m), not from the recipients file's local part, and reset every primary address.
#    The addresses it gave stay until step 3 finds them.
if (-not (Get-AcceptedDomain -Identity $LocationDomain -ErrorAction SilentlyContinue)) {
    Write-Change "New-AcceptedDomain $LocationDomain"
    New-AcceptedDomain -Name $LocationDomain -DomainName $LocationDomain -DomainType Authoritative | Out-Null
}
if (Get-EmailAddressPolicy -Identity $OldPolicy -ErrorAction SilentlyContinue) {
    Write-Change "Remove-EmailAddressPolicy $OldPolicy"
    Remove-EmailAddressPolicy -Identity $OldPolicy -Confirm:$false
}

# 2. The contacts, found by their mark. A marked contact that the desired state no
#    longer has goes (its user moved to this site, or left); one whose target or name
#    differs is changed (its user moved to another site); a missing one is created,
#    then marked (New-MailContact cannot set CustomAttribute1). A public address held
#    by an object without the mark (a mailbox not yet moved, a contact made by hand or
#    by an earlier sitedns script) is left alone, with a warning.
$wanted = @{}
foreach ($c in $Contacts) { $wanted[$c.Public] = $c }
$marked = @{}
foreach ($contact in @(Get-MailContact -ResultSize Unlimited -Filter "CustomAttribute1 -eq '$Mark'")) {
    $public = "$($contact.PrimarySmtpAddress)"
    if ($wanted.ContainsKey($public)) { $marked[$public] = $contact; continue }
    Write-Change "Remove-MailContact $public"
    Remove-MailContact -Identity $contact.DistinguishedName -Confirm:$false
}
foreach ($c in $Contacts) {
    if ($marked.ContainsKey($c.Public)) {
        Update-Contact $marked[$c.Public] $c
    } elseif (Get-Recipient -Identity $c.Public -ErrorAction SilentlyContinue) {
        Write-Warning "sitedns: $($c.Public) belongs to an object without the mark '$Mark': no contact made"
    } else {
        Write-Change "New-MailContact $($c.Public) -> $($c.Target)"
        New-MailContact -Name $c.Name -Alias $c.Alias -ExternalEmailAddress $c.Target -PrimarySmtpAddress $c.Public | Out-Null
        Set-MailContact -Identity $c.Public -CustomAttribute1 $Mark
    }
}

# 3. The location addresses, secondary addresses of the mailboxes: the primary address
#    is never changed. First, a secondary address at the location domain goes from a
#    mailbox unless the desired state gives it to that mailbox (its user moved away, or
#    the old policy built it from the alias); then each own user's mailbox gets its own.
$owner = @{}
foreach ($m in $Mailboxes) { $owner[$m.Location] = $m.Public }
$byPublic = @{}
foreach ($mailbox in @(Get-Mailbox -ResultSize Unlimited)) {
    $public = "$($mailbox.PrimarySmtpAddress)"
    $byPublic[$public] = $mailbox
    foreach ($address in @($mailbox.EmailAddresses | ForEach-Object { "$_" })) {
        if ($address -cnotlike 'smtp:*' -or $address -notlike "*@$LocationDomain") { continue }
        if ($owner[$address.Substring(5)] -eq $public) { continue }
        Write-Change "Set-Mailbox $public, remove $address"
        Set-Mailbox -Identity $mailbox.DistinguishedName -EmailAddresses @{ Remove = $address }
    }
}
foreach ($m in $Mailboxes) {
    $mailbox = $byPublic[$m.Public]
    if (-not $mailbox) {
        Write-Warning "sitedns: no mailbox $($m.Public) yet: run this script again once it exists"
        continue
    }
    $addresses = @($mailbox.EmailAddresses | ForEach-Object { "$_" })
    if ($addresses -notcontains "smtp:$($m.Location)") {
        Write-Change "Set-Mailbox $($m.Public), add smtp:$($m.Location)"
        Set-Mailbox -Identity $mailbox.DistinguishedName -EmailAddresses @{ Add = "smtp:$($m.Location)" }
    }
}

# 4. The send connectors, found by their name: each is created when missing and
#    changed where a setting differs. Only then do the ones that the desired state no
#    longer has go, so that no location domain is left to the Internet connector while
#    it moves from one connector to another.
$named = @{}
foreach ($c in $Connectors) {
    $named[$c.Name] = $true
    $connector = Get-SendConnector -Identity $c.Name -ErrorAction SilentlyContinue
    $changes = Get-ConnectorChanges $connector $c
    if (-not $connector) {
        Write-Change "New-SendConnector $($c.Name)"
        New-SendConnector -Name $c.Name -Usage Custom @changes | Out-Null
    } elseif ($changes.Count -gt 0) {
        Write-Change "Set-SendConnector $($c.Name): $(@($changes.Keys | Sort-Object) -join ', ')"
        Set-SendConnector -Identity $c.Name @changes
    }
}
foreach ($connector in @(Get-SendConnector)) {
    $name = "$($connector.Name)"
    if ($name.StartsWith($ConnectorPrefix) -and -not $named.ContainsKey($name)) {
        Write-Change "Remove-SendConnector $name"
        Remove-SendConnector -Identity $name -Confirm:$false
    }
}
