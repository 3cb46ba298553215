#pragma once
// The fixed part of the Exchange script (SPEC §2 `export --format exchange`): the steps
// that compare the desired state, written before them as PowerShell data
// ($LocationDomain, $Mark, $ConnectorPrefix, $OldPolicy, $Mailboxes, $Contacts,
// $Connectors), with what the Get- cmdlets return, and create, change or remove the
// difference. The same text for every site and every topology.

#include <string>
#include <string_view>

namespace sitedns {

/// The mark of the mail contacts the script creates, in their CustomAttribute1.
inline constexpr std::string_view kExchangeMark = "sitedns";

/// The start of the name of every send connector the script creates.
inline constexpr std::string_view kExchangeConnectorPrefix = "sitedns ";

/// The comment, before the desired state, that says what the script changes and what it
/// never touches.
std::string exchange_steps_intro();

/// The steps, after the desired state. Windows PowerShell 2.0 (Exchange 2010) runs them:
/// no `[ordered]`, no `-in`, no member enumeration, and every loop over an @() array.
std::string exchange_steps();

}  // namespace sitedns
