import LabelParkCore
import LabelParkStore

/// Checks an email and password, for the sign-in form and for `POST /api/v1/tokens` alike.
///
/// The limiter counts the attempt before any password is hashed, and hashing runs on the hasher's own
/// bounded pool, so a flood of guesses neither gets more tries than the limit nor starves other requests.
struct SignIn: Sendable {
    let store: any ParkStore
    let passwords: PasswordHasher
    let limiter: SignInLimiter

    /// The user the credentials belong to; throws `APIError.badCredentials` or `.tooManyAttempts`.
    func verify(email: String, password: String, address: String?) async throws -> UserID {
        if let wait = limiter.admit(email: email, address: address) {
            throw APIError.tooManyAttempts(retryAfterSeconds: wait)
        }
        guard !email.isEmpty, email.utf8.count <= 320, !email.utf8.contains(0), password.utf8.count <= 1_000,
            let credential = try await store.passwordCredential(forEmail: email)
        else {
            try await passwords.verifyNothing()
            throw APIError.badCredentials
        }
        guard try await passwords.verify(password, against: credential.passwordHash) else {
            throw APIError.badCredentials
        }
        limiter.recordSuccess(email: email, address: address)
        // A new account's first sign-in activates the memberships it was added with.
        try await store.activateInvitationsOfNewAccount(credential.userID)
        return credential.userID
    }
}
