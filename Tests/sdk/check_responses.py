"""Runs the official OpenAI Python SDK's Responses API, unmodified, against the gateway: passed
through to an OpenAI model, translated for a Claude model (docs/translation.md).

Usage: check_responses.py BASE_URL API_KEY  -- prints one JSON object with what each call returned.
"""
import json
import sys

import openai

base, key = sys.argv[1], sys.argv[2]
client = openai.OpenAI(base_url=f"{base}/v1", api_key=key, max_retries=0)
WEATHER = {
    "type": "function",
    "name": "weather",
    "description": "The weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def error_of(call):
    try:
        call()
    except Exception as error:
        return {"class": type(error).__name__, "status": getattr(error, "status_code", None), "message": str(error)}
    return None


def run(model, service, tools):
    result = {}
    plain = client.responses.create(model=model, instructions="Be brief.", input="Hi")
    result["plain"] = {
        "text": plain.output_text,
        "status": plain.status,
        "input_tokens": plain.usage.input_tokens,
        "output_tokens": plain.usage.output_tokens,
        "cached_tokens": plain.usage.input_tokens_details.cached_tokens,
    }
    deltas, types = [], []
    with client.responses.stream(model=model, input="Hi") as stream:
        for event in stream:
            types.append(event.type)
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
        final = stream.get_final_response()
    result["stream"] = {
        "deltas": "".join(deltas),
        "text": final.output_text,
        "first": types[0],
        "last": types[-1],
        "output_tokens": final.usage.output_tokens,
    }
    if tools:
        ask = [{"role": "user", "content": "Weather in Paris?"}]
        first = client.responses.create(model=model, input=ask, tools=[WEATHER])
        call = next(item for item in first.output if item.type == "function_call")
        answered = client.responses.create(
            model=model,
            tools=[WEATHER],
            input=ask
            + [
                {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
                {"type": "function_call_output", "call_id": call.call_id, "output": "18C and sunny"},
            ],
        )
        result["tools"] = {
            "call_id": call.call_id,
            "name": call.name,
            "arguments": json.loads(call.arguments),
            "answer": answered.output_text,
        }
        with client.responses.stream(model=model, input=ask, tools=[WEATHER]) as stream:
            streamed = stream.get_final_response()
        calls = [item for item in streamed.output if item.type == "function_call"]
        result["stream_tools"] = [{"call_id": c.call_id, "arguments": json.loads(c.arguments)} for c in calls]
        result["errors"] = {
            "rate_limited": error_of(lambda: client.responses.create(model=f"{service}/error-429", input="Hi")),
            "refused_field": error_of(
                lambda: client.responses.create(model=model, input="Hi", include=["reasoning.encrypted_content"])
            ),
        }
    return result


# The gateway's own errors (a wrong key) carry the message where the SDKs read it.
wrong = openai.OpenAI(base_url=f"{base}/v1", api_key="tnnt_not-a-real-key", max_retries=0)
gateway_error = error_of(lambda: wrong.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]))

print(
    json.dumps(
        {
            "openai": run("openai/gpt-4o-mini", "openai", tools=False),
            "anthropic": run("anthropic/claude-3-5-haiku-latest", "anthropic", tools=True),
            "gateway_error": gateway_error,
        }
    )
)
