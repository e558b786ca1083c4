import Contracts
import Crypto
import Foundation
import Synchronization

/// Encrypts provider keys with AES-256-GCM under per-tenant keys derived (HKDF-SHA256) from the
/// master key of a version, binding each ciphertext to its row with associated data.
///
/// Format (version 1): `0x01 | key version (UInt32, big-endian) | nonce (12) | ciphertext | tag (16)`.
/// Associated data: the tenant, the credential id and the service, so a ciphertext copied to
/// another row, tenant or service does not decrypt.
final class CredentialCipher: Sendable {
    struct Failure: Error, Equatable, CustomStringConvertible {
        let description: String
        static func unknownVersion(_ version: Int) -> Failure {
            Failure(description: "the ciphertext needs master key version \(version), which this vault does not have")
        }
        static let malformed = Failure(description: "the ciphertext is malformed")
        static let doesNotDecrypt = Failure(
            description: "the ciphertext does not decrypt: it was altered, or moved from another row or tenant")
    }

    private static let format: UInt8 = 1
    private static let headerSize = 1 + 4 + 12
    private static let tagSize = 16

    let currentVersion: Int
    private let masterKeys: [Int: SymmetricKey]
    private let derived = Mutex<[DerivedKeyID: SymmetricKey]>([:])

    private struct DerivedKeyID: Hashable {
        var version: Int
        var scope: String
    }

    init(masterKeys: [Int: [UInt8]], currentVersion: Int) {
        self.masterKeys = masterKeys.mapValues { SymmetricKey(data: $0) }
        self.currentVersion = currentVersion
    }

    var versions: [Int] { masterKeys.keys.sorted() }

    /// Encrypts under the current version.
    func seal(_ plaintext: String, tenant: UUID, credential: UUID, service: String) throws -> [UInt8] {
        try seal(
            Array(plaintext.utf8), version: currentVersion, scope: Self.tenantScope(tenant),
            associatedData: Self.associatedData(tenant: tenant, credential: credential, service: service))
    }

    func open(_ sealed: [UInt8], tenant: UUID, credential: UUID, service: String) throws(Failure) -> String {
        let plaintext = try open(
            sealed, scope: Self.tenantScope(tenant),
            associatedData: Self.associatedData(tenant: tenant, credential: credential, service: service))
        return String(decoding: plaintext, as: UTF8.self)
    }

    /// The key version a ciphertext was made with.
    static func version(of sealed: [UInt8]) -> Int? {
        guard sealed.count >= headerSize + tagSize, sealed[0] == format else { return nil }
        return Int(sealed[1]) << 24 | Int(sealed[2]) << 16 | Int(sealed[3]) << 8 | Int(sealed[4])
    }

    // MARK: - Key checks

    /// A known value sealed under `version`: stored once, it tells at boot whether the configured
    /// key of that version is the one that encrypted the data.
    func keyCheck(version: Int) throws -> [UInt8] {
        try seal(
            Array(Self.checkPlaintext.utf8), version: version, scope: "key-check",
            associatedData: Array("key-check".utf8))
    }

    func verifyKeyCheck(_ sealed: [UInt8]) -> Bool {
        (try? open(sealed, scope: "key-check", associatedData: Array("key-check".utf8)))
            == Array(Self.checkPlaintext.utf8)
    }

    private static let checkPlaintext = "strongbox vault key check"

    // MARK: -

    private func seal(_ plaintext: [UInt8], version: Int, scope: String, associatedData: [UInt8]) throws -> [UInt8] {
        guard let key = key(version: version, scope: scope) else { throw Failure.unknownVersion(version) }
        let box = try AES.GCM.seal(plaintext, using: key, nonce: AES.GCM.Nonce(), authenticating: associatedData)
        var sealed: [UInt8] = [Self.format]
        sealed.reserveCapacity(Self.headerSize + plaintext.count + Self.tagSize)
        sealed += [
            UInt8(version >> 24 & 0xFF), UInt8(version >> 16 & 0xFF), UInt8(version >> 8 & 0xFF), UInt8(version & 0xFF),
        ]
        sealed += Array(box.nonce)
        sealed += box.ciphertext
        sealed += box.tag
        return sealed
    }

    private func open(_ sealed: [UInt8], scope: String, associatedData: [UInt8]) throws(Failure) -> [UInt8] {
        guard let version = Self.version(of: sealed) else { throw Failure.malformed }
        guard let key = key(version: version, scope: scope) else { throw Failure.unknownVersion(version) }
        do {
            let box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: sealed[5..<Self.headerSize]),
                ciphertext: sealed[Self.headerSize..<(sealed.count - Self.tagSize)],
                tag: sealed[(sealed.count - Self.tagSize)...])
            return Array(try AES.GCM.open(box, using: key, authenticating: associatedData))
        } catch {
            // On Linux a failed open is a wrapped BoringSSL error, not `.authenticationFailure`.
            throw Failure.doesNotDecrypt
        }
    }

    /// HKDF-SHA256(master key of `version`, info: scope): one key per tenant and version, cached.
    private func key(version: Int, scope: String) -> SymmetricKey? {
        let id = DerivedKeyID(version: version, scope: scope)
        if let key = derived.withLock({ $0[id] }) { return key }
        guard let master = masterKeys[version] else { return nil }
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: master, salt: Array("strongbox.vault.v1".utf8), info: Array(scope.utf8),
            outputByteCount: 32)
        derived.withLock { cache in
            if cache.count > 100_000 { cache.removeAll() }
            cache[id] = key
        }
        return key
    }

    private static func tenantScope(_ tenant: UUID) -> String {
        "tenant:" + tenant.lowercasedString
    }

    private static func associatedData(tenant: UUID, credential: UUID, service: String) -> [UInt8] {
        Array(
            "strongbox.vault.credential.v1\u{0}\(tenant.lowercasedString)\u{0}\(credential.lowercasedString)\u{0}\(service)"
                .utf8)
    }
}
