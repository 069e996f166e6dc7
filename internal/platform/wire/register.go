package wire

// Party types of a register party, sent as numbers
// (Altinn/altinn-register src/pkgs/Altinn.Register.Contracts/src/Altinn.Register.Contracts/V1/PartyType.cs).
const (
	PartyTypePerson           = 1
	PartyTypeOrganisation     = 2
	PartyTypeSelfIdentified   = 3
	PartyTypeSubUnit          = 4
	PartyTypeBankruptcyEstate = 5
)

// PartyLookup is the body of POST register/api/v1/parties/lookup: exactly
// one of SSN and OrgNo (Altinn/altinn-register
// src/apps/Altinn.Register/src/Altinn.Register/Operations/Validation/LookupV1PartyRequestValidator.cs).
// It carries a national ID: never log it.
type PartyLookup struct {
	SSN   string `json:"ssn,omitempty"`
	OrgNo string `json:"orgNo,omitempty"`
}

// Party is a register party (Altinn/altinn-register
// src/pkgs/Altinn.Register.Contracts/src/Altinn.Register.Contracts/V1/Party.cs):
// a person carries its national ID in SSN and Person.SSN, so never log a
// Party.
type Party struct {
	PartyID                          int64         `json:"partyId"`
	PartyUUID                        string        `json:"partyUuid,omitempty"`
	PartyTypeName                    int           `json:"partyTypeName"`
	OrgNumber                        NullStr       `json:"orgNumber"`
	SSN                              NullStr       `json:"ssn"`
	UnitType                         NullStr       `json:"unitType"`
	Name                             NullStr       `json:"name"`
	IsDeleted                        bool          `json:"isDeleted"`
	OnlyHierarchyElementWithNoAccess bool          `json:"onlyHierarchyElementWithNoAccess"`
	Person                           *Person       `json:"person"`
	Organization                     *Organization `json:"organization"`
}

// Person is the person part of a party (…/V1/Person.cs). Register keeps no
// e-mail address for persons.
type Person struct {
	SSN          NullStr `json:"ssn"`
	Name         NullStr `json:"name"`
	FirstName    NullStr `json:"firstName"`
	MiddleName   NullStr `json:"middleName"`
	LastName     NullStr `json:"lastName"`
	MobileNumber NullStr `json:"mobileNumber"`
}

// Organization is the organisation part of a party (…/V1/Organization.cs).
type Organization struct {
	OrgNumber    NullStr `json:"orgNumber"`
	Name         NullStr `json:"name"`
	UnitType     NullStr `json:"unitType"`
	MobileNumber NullStr `json:"mobileNumber"`
	EMailAddress NullStr `json:"eMailAddress"`
}
