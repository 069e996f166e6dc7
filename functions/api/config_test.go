package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		want    func(*Config)
		wantErr []string
	}{
		{name: "defaults", env: map[string]string{}, want: func(*Config) {}},
		{
			name: "every_variable",
			env: map[string]string{
				"NATIONAL_ID_CLAIMS": " urn:altinn:ssn , pid ,", "USER_ID_CLAIM": "", "PARTY_ID_CLAIM": "party",
				"PARTY_UUID_CLAIM": "party_uuid", "NAME_CLAIM": "full_name", "ALLOW_SYNTHETIC_IDS": "true", "DEFAULT_TASK_ID": "SigningTask",
			},
			want: func(c *Config) {
				c.NationalIDClaims = []string{"urn:altinn:ssn", "pid"}
				c.UserIDClaim, c.PartyIDClaim, c.PartyUUIDClaim, c.NameClaim = "", "party", "party_uuid", "full_name"
				c.AllowSyntheticIDs, c.DefaultTaskID = true, "SigningTask"
			},
		},
		{
			name:    "every_error_at_once",
			env:     map[string]string{"NATIONAL_ID_CLAIMS": " , ", "ALLOW_SYNTHETIC_IDS": "sometimes", "DEFAULT_TASK_ID": "1 bad task"},
			wantErr: []string{"NATIONAL_ID_CLAIMS", "ALLOW_SYNTHETIC_IDS", "DEFAULT_TASK_ID"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := LoadConfig(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("LoadConfig() = %+v, want an error", got)
				}
				for _, name := range tt.wantErr {
					if !strings.Contains(err.Error(), name) {
						t.Errorf("LoadConfig() error = %v, want it to name %s", err, name)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadConfig() error = %v", err)
			}
			want := DefaultConfig()
			tt.want(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("LoadConfig() = %+v, want %+v", got, want)
			}
		})
	}
}
