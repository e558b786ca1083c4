import Contracts
import Foundation
import Testing

@testable import Vault

@Suite("Credential cipher")
struct CredentialCipherTests {
    let v1 = [UInt8](repeating: 0x11, count: 32)
    let v2 = [UInt8](repeating: 0x22, count: 32)
    let tenant = UUID()
    let other = UUID()
    let id = UUID()

    @Test("seals with a fresh nonce, in the versioned format, and opens again")
    func roundTrip() throws {
        let cipher = CredentialCipher(masterKeys: [1: v1], currentVersion: 1)
        let first = try cipher.seal("sk-secret-value", tenant: tenant, credential: id, service: "openai")
        let second = try cipher.seal("sk-secret-value", tenant: tenant, credential: id, service: "openai")
        #expect(first != second, "a random nonce per encryption")
        #expect(first[0] == 1)
        #expect(CredentialCipher.version(of: first) == 1)
        #expect(first.count == 1 + 4 + 12 + "sk-secret-value".utf8.count + 16)
        #expect(!String(decoding: first, as: UTF8.self).contains("sk-secret"))
        #expect(try cipher.open(first, tenant: tenant, credential: id, service: "openai") == "sk-secret-value")
    }

    @Test("any flipped byte makes it fail, with a clear error")
    func tampering() throws {
        let cipher = CredentialCipher(masterKeys: [1: v1], currentVersion: 1)
        let sealed = try cipher.seal("sk-secret-value", tenant: tenant, credential: id, service: "openai")
        for index in 5..<sealed.count {
            var tampered = sealed
            tampered[index] ^= 0x01
            #expect(throws: CredentialCipher.Failure.doesNotDecrypt, "byte \(index)") {
                try cipher.open(tampered, tenant: tenant, credential: id, service: "openai")
            }
        }
        var wrongFormat = sealed
        wrongFormat[0] = 9
        #expect(throws: CredentialCipher.Failure.malformed) {
            try cipher.open(wrongFormat, tenant: tenant, credential: id, service: "openai")
        }
        #expect(throws: CredentialCipher.Failure.malformed) {
            try cipher.open(Array(sealed.prefix(20)), tenant: tenant, credential: id, service: "openai")
        }
    }

    @Test("a ciphertext moved to another tenant, row or service does not decrypt")
    func boundToItsRow() throws {
        let cipher = CredentialCipher(masterKeys: [1: v1], currentVersion: 1)
        let sealed = try cipher.seal("sk-secret-value", tenant: tenant, credential: id, service: "openai")
        for (tenant, credential, service) in [(other, id, "openai"), (tenant, UUID(), "openai"), (tenant, id, "groq")] {
            #expect(throws: CredentialCipher.Failure.doesNotDecrypt) {
                try cipher.open(sealed, tenant: tenant, credential: credential, service: service)
            }
        }
    }

    @Test("old versions still open after the current version changes; unknown ones say which")
    func versions() throws {
        let old = CredentialCipher(masterKeys: [1: v1], currentVersion: 1)
        let sealedV1 = try old.seal("sk-old-key-value", tenant: tenant, credential: id, service: "openai")
        let rotated = CredentialCipher(masterKeys: [1: v1, 2: v2], currentVersion: 2)
        #expect(try rotated.open(sealedV1, tenant: tenant, credential: id, service: "openai") == "sk-old-key-value")
        let sealedV2 = try rotated.seal("sk-new-key-value", tenant: tenant, credential: id, service: "openai")
        #expect(CredentialCipher.version(of: sealedV2) == 2)
        let retired = CredentialCipher(masterKeys: [2: v2], currentVersion: 2)
        #expect(throws: CredentialCipher.Failure.unknownVersion(1)) {
            try retired.open(sealedV1, tenant: tenant, credential: id, service: "openai")
        }
        // The same version number with a different key is a different key.
        let impostor = CredentialCipher(masterKeys: [1: v2], currentVersion: 1)
        #expect(throws: CredentialCipher.Failure.doesNotDecrypt) {
            try impostor.open(sealedV1, tenant: tenant, credential: id, service: "openai")
        }
    }

    @Test("key checks tell a right master key from a wrong one")
    func keyChecks() throws {
        let right = CredentialCipher(masterKeys: [1: v1], currentVersion: 1)
        let check = try right.keyCheck(version: 1)
        #expect(right.verifyKeyCheck(check))
        #expect(!CredentialCipher(masterKeys: [1: v2], currentVersion: 1).verifyKeyCheck(check))
    }

    @Test("previews show at most the first 3 and last 4 characters")
    func previews() {
        #expect(StoredCredential.preview(of: "sk-proj-abcdefghijklmnop1234") == "sk-...1234")
        #expect(StoredCredential.preview(of: "short-key") == "...ey")
        #expect(StoredCredential.preview(of: "abc") == "...")
        #expect(StoredCredential.preview(of: "") == "")
    }

    @Test("master keys must be exactly 64 hex characters")
    func masterKeyFormat() throws {
        #expect(throws: (any Error).self) { try VaultConfiguration.parseKey("abc", variable: "CRED_ENCRYPT_KEY") }
        #expect(throws: (any Error).self) {
            try VaultConfiguration.parseKey(String(repeating: "g", count: 64), variable: "CRED_ENCRYPT_KEY")
        }
        #expect(try VaultConfiguration.parseKey(String(repeating: "aB", count: 32), variable: "K").count == 32)
    }
}
