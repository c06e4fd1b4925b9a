package verifier

import "errors"

// Reason says why a token was refused. Its String is the name the C++ library gives the same
// refusal (VerifyErrorName), for logs and metrics; HTTP answers show only 401 or 403.
type Reason int

const (
	TooLarge             Reason = iota + 1 // longer than the size cap
	Malformed                              // not three base64url parts of JSON objects, or crit present
	UnsupportedAlgorithm                   // alg not in the allow-list (none, HS256, ...)
	WrongType                              // typ is not at+jwt
	UnknownKey                             // no kid, or no key of the JWKS with this kid
	KeyMismatch                            // the key's type, curve or alg does not fit the token's alg
	BadSignature                           //
	WrongIssuer                            //
	WrongAudience                          //
	Expired                                //
	NotYetValid                            // nbf in the future
	IssuedInFuture                         // iat in the future
	MissingClaim                           // exp, iss, aud or sub absent or of the wrong JSON type
	InsufficientScope                      // valid, but without a required scope
	JWKSUnavailable                        // no key set could be fetched yet
)

var reasonNames = map[Reason]string{
	TooLarge:             "too_large",
	Malformed:            "malformed",
	UnsupportedAlgorithm: "unsupported_algorithm",
	WrongType:            "wrong_type",
	UnknownKey:           "unknown_key",
	KeyMismatch:          "key_mismatch",
	BadSignature:         "bad_signature",
	WrongIssuer:          "wrong_issuer",
	WrongAudience:        "wrong_audience",
	Expired:              "expired",
	NotYetValid:          "not_yet_valid",
	IssuedInFuture:       "issued_in_future",
	MissingClaim:         "missing_claim",
	InsufficientScope:    "insufficient_scope",
	JWKSUnavailable:      "jwks_unavailable",
}

func (r Reason) String() string {
	if name, ok := reasonNames[r]; ok {
		return name
	}
	return "unknown"
}

// Error is a refused token. Compare with errors.Is against the Err* values, or read Reason.
type Error struct {
	Reason Reason
	Detail string // for logs: which claim, which kid; never the token
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return "token refused: " + e.Reason.String()
	}
	return "token refused: " + e.Reason.String() + ": " + e.Detail
}

// Is matches any *Error with the same Reason, so errors.Is(err, verifier.ErrExpired) works
// whatever the detail.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Reason == e.Reason
}

// One value per Reason, for errors.Is.
var (
	ErrTooLarge             = &Error{Reason: TooLarge}
	ErrMalformed            = &Error{Reason: Malformed}
	ErrUnsupportedAlgorithm = &Error{Reason: UnsupportedAlgorithm}
	ErrWrongType            = &Error{Reason: WrongType}
	ErrUnknownKey           = &Error{Reason: UnknownKey}
	ErrKeyMismatch          = &Error{Reason: KeyMismatch}
	ErrBadSignature         = &Error{Reason: BadSignature}
	ErrWrongIssuer          = &Error{Reason: WrongIssuer}
	ErrWrongAudience        = &Error{Reason: WrongAudience}
	ErrExpired              = &Error{Reason: Expired}
	ErrNotYetValid          = &Error{Reason: NotYetValid}
	ErrIssuedInFuture       = &Error{Reason: IssuedInFuture}
	ErrMissingClaim         = &Error{Reason: MissingClaim}
	ErrInsufficientScope    = &Error{Reason: InsufficientScope}
	ErrJWKSUnavailable      = &Error{Reason: JWKSUnavailable}
)

// ReasonOf is the Reason of a refusal returned by this package, 0 for nil or any other error.
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return 0
}

func refuse(reason Reason, detail string) error {
	return &Error{Reason: reason, Detail: detail}
}
