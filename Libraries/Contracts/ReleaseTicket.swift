import Crypto
import Foundation

/// The gateway's permission for one call to have the vault release a tenant's credential.
///
/// The gateway authenticated the tenant, so it alone mints tickets; the proxy carries the ticket
/// of the call it serves to `vault.credentials.resolve` (header ``header``), and the vault releases
/// nothing without a valid one for the tenant, service and credential asked for. A compromised
/// proxy can then release only the keys of tenants whose calls it is serving, for as long as their
/// tickets live (docs/vault.md, "Release tickets").
///
/// Wire form: `v1.<payload>.<mac>`, both base64url; the payload holds the fields, each as
/// `<UTF-8 length>:<text>`, and the MAC is HMAC-SHA256 under `RELEASE_TICKET_SECRET`, a key only
/// the gateway and the vault hold.
public struct ReleaseTicket: Sendable, Equatable {
    public static let header = "Release-Ticket"

    public var tenant: UUID
    /// The call's request id (the vault's audit record names it).
    public var requestID: String
    /// The provider the call may use; nil for any (a `/v1` call names its provider in the model,
    /// which the proxy reads).
    public var service: String?
    /// The credential name the call may use; nil for any of the service's.
    public var credential: String?
    /// Whole seconds since 1970 after which the ticket is void.
    public var expires: Int

    public init(tenant: UUID, requestID: String, service: String? = nil, credential: String? = nil, expires: Date) {
        self.tenant = tenant
        self.requestID = requestID
        self.service = service
        self.credential = credential
        self.expires = Int(expires.timeIntervalSince1970.rounded(.up))
    }

    /// Whether the ticket lets its call use `service`'s credential `name`.
    public func allows(service: String, name: String) -> Bool {
        (self.service == nil || self.service == service) && (credential == nil || credential == name)
    }

    fileprivate var payload: [UInt8] {
        let tenant = tenant.lowercasedString, expires = String(expires)
        let service = service ?? "", credential = credential ?? ""
        var bytes: [UInt8] = []
        bytes.reserveCapacity(
            16 + tenant.utf8.count + expires.utf8.count + requestID.utf8.count + service.utf8.count
                + credential.utf8.count)
        for field in [tenant, expires, requestID, service, credential] {
            bytes.append(contentsOf: String(field.utf8.count).utf8)
            bytes.append(UInt8(ascii: ":"))
            bytes.append(contentsOf: field.utf8)
        }
        bytes.append(self.service == nil ? UInt8(ascii: "0") : UInt8(ascii: "1"))
        bytes.append(self.credential == nil ? UInt8(ascii: "0") : UInt8(ascii: "1"))
        return bytes
    }

    fileprivate init?(payload bytes: [UInt8]) {
        var fields: [String] = []
        var index = 0
        while fields.count < 5 {
            guard let colon = bytes[index...].firstIndex(of: UInt8(ascii: ":")),
                let count = Int(String(decoding: bytes[index..<colon], as: UTF8.self)), count >= 0,
                colon + 1 + count <= bytes.count
            else { return nil }
            fields.append(String(decoding: bytes[(colon + 1)..<(colon + 1 + count)], as: UTF8.self))
            index = colon + 1 + count
        }
        let flags = Array(bytes[index...])
        guard flags.count == 2, let tenant = UUID(parsing: fields[0]), let expires = Int(fields[1]) else {
            return nil
        }
        self.tenant = tenant
        self.expires = expires
        requestID = fields[2]
        service = flags[0] == UInt8(ascii: "1") ? fields[3] : nil
        credential = flags[1] == UInt8(ascii: "1") ? fields[4] : nil
    }
}

/// Signs tickets (the gateway) and checks them (the vault, which also accepts a previous key
/// while the secret is being changed).
public struct ReleaseTicketKeys: Sendable {
    private let current: SymmetricKey
    private let previous: SymmetricKey?
    /// HMAC with the current key set up once: each signature copies it (the key schedule is half
    /// the work of a short MAC).
    private let signer: HMAC<SHA256>

    public init(secret: String, previous: String? = nil) {
        current = SymmetricKey(data: Array(secret.utf8))
        self.previous = previous.map { SymmetricKey(data: Array($0.utf8)) }
        signer = HMAC<SHA256>(key: current)
    }

    public func sign(_ ticket: ReleaseTicket) -> String {
        let payload = ticket.payload
        var hmac = signer
        hmac.update(data: payload)
        let mac = hmac.finalize()
        return mac.withUnsafeBytes { mac in "v1." + Base64URL.encode(payload) + "." + Base64URL.encode(mac) }
    }

    /// Why `text` is no valid ticket at `now`, or the ticket.
    public func verify(_ text: String, now: Date = Date()) -> Result<ReleaseTicket, Rejection> {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", let payload = Data(base64URLEncoded: parts[1]),
            let mac = Data(base64URLEncoded: parts[2])
        else { return .failure(.malformed) }
        let keys = [current] + [previous].compactMap { $0 }
        guard keys.contains(where: { HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: $0) })
        else { return .failure(.badSignature) }
        guard let ticket = ReleaseTicket(payload: Array(payload)) else { return .failure(.malformed) }
        guard Double(ticket.expires) >= now.timeIntervalSince1970 else { return .failure(.expired) }
        return .success(ticket)
    }

    public enum Rejection: String, Error, Sendable {
        case malformed = "is malformed"
        case badSignature = "is not signed with RELEASE_TICKET_SECRET"
        case expired = "has expired"
    }
}
