package wire

// Party types.
const (
	PartyTypePerson       = 1
	PartyTypeOrganisation = 2
)

// PartyLookup asks the register for one party: a person by national ID and
// last name, or an organisation by number. Never log it.
type PartyLookup struct {
	SSN      string `json:"ssn,omitempty"`
	LastName string `json:"lastName,omitempty"`
	OrgNo    string `json:"orgNo,omitempty"`
}

// Party is a register party. Responses do not echo the national ID.
type Party struct {
	PartyID       int64         `json:"partyId"`
	PartyUUID     string        `json:"partyUuid"`
	PartyTypeName int           `json:"partyTypeName"`
	Name          string        `json:"name"`
	OrgNumber     string        `json:"orgNumber,omitempty"`
	Person        *Person       `json:"person,omitempty"`
	Organization  *Organization `json:"organization,omitempty"`
}

// Person is the person part of a party.
type Person struct {
	FirstName    string `json:"firstName"`
	MiddleName   string `json:"middleName,omitempty"`
	LastName     string `json:"lastName"`
	Name         string `json:"name"`
	MobileNumber string `json:"mobileNumber,omitempty"`
	EmailAddress string `json:"emailAddress,omitempty"`
}

// Organization is the organisation part of a party.
type Organization struct {
	OrgNumber    string `json:"orgNumber"`
	Name         string `json:"name"`
	UnitType     string `json:"unitType,omitempty"`
	MobileNumber string `json:"mobileNumber,omitempty"`
	EMailAddress string `json:"eMailAddress,omitempty"`
}

// SigningRightsRequest asks whether a person may sign for an organisation.
// Never log it.
type SigningRightsRequest struct {
	PersonSSN string `json:"personSsn"`
	OrgNo     string `json:"orgNo"`
}

// SigningRightsResponse answers a SigningRightsRequest.
type SigningRightsResponse struct {
	CanSign bool `json:"canSign"`
	// Roles are the person's roles in the organisation that carry the right to sign.
	Roles []string `json:"roles,omitempty"`
}
