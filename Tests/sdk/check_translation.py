"""Runs the official OpenAI and Anthropic Python SDKs, unmodified, against models of other
providers, which the gateway translates (docs/translation.md): the OpenAI SDK calling Anthropic,
Gemini and Cohere models, the Anthropic SDK calling OpenAI, Gemini and Cohere models.

Usage: check_translation.py BASE_URL API_KEY  -- prints one JSON object with what each call returned.
"""
import json
import sys

import anthropic
import openai

base, key = sys.argv[1], sys.argv[2]
WEATHER = {
    "type": "function",
    "function": {
        "name": "weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
TOOL = {
    "name": "weather",
    "description": "The weather in a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
HI = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
ASK = [{"role": "user", "content": "Weather in Paris?"}]


def error_of(call):
    try:
        call()
    except Exception as error:  # the SDK's own exception classes say what it understood
        return {"class": type(error).__name__, "status": getattr(error, "status_code", None), "message": str(error)}
    return None


def openai_sdk(client, model, service):
    """Chat, streamed chat, a tool round trip (plain and streamed), JSON output, an image, errors."""
    result = {}
    chat = client.chat.completions.create(model=model, messages=HI)
    result["chat"] = {
        "content": chat.choices[0].message.content,
        "finish_reason": chat.choices[0].finish_reason,
        "prompt_tokens": chat.usage.prompt_tokens,
        "completion_tokens": chat.usage.completion_tokens,
        "cached_tokens": chat.usage.prompt_tokens_details.cached_tokens,
    }
    parts, usage = [], None
    for chunk in client.chat.completions.create(
        model=model, messages=HI, stream=True, stream_options={"include_usage": True}
    ):
        if chunk.choices and chunk.choices[0].delta.content:
            parts.append(chunk.choices[0].delta.content)
        if chunk.usage:
            usage = chunk.usage.completion_tokens
    result["stream"] = {"text": "".join(parts), "completion_tokens": usage}

    first = client.chat.completions.create(model=model, messages=ASK, tools=[WEATHER])
    call = first.choices[0].message.tool_calls[0]
    answered = client.chat.completions.create(
        model=model,
        tools=[WEATHER],
        messages=ASK
        + [
            {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
            {"role": "tool", "tool_call_id": call.id, "content": "18C and sunny"},
        ],
    )
    result["tools"] = {
        "finish_reason": first.choices[0].finish_reason,
        "id": call.id,
        "name": call.function.name,
        "arguments": json.loads(call.function.arguments),
        "answer": answered.choices[0].message.content,
    }
    calls = {}
    for chunk in client.chat.completions.create(model=model, messages=ASK, tools=[WEATHER], stream=True):
        for delta in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
            entry = calls.setdefault(delta.index, {"id": None, "name": None, "arguments": ""})
            entry["id"] = delta.id or entry["id"]
            entry["name"] = (delta.function.name if delta.function else None) or entry["name"]
            entry["arguments"] += (delta.function.arguments or "") if delta.function else ""
    result["stream_tools"] = [
        {"id": c["id"], "name": c["name"], "arguments": json.loads(c["arguments"])} for c in calls.values()
    ]
    structured = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "A city, as JSON"}],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "city", "schema": {"type": "object", "properties": {"city": {"type": "string"}}}},
        },
    )
    result["json"] = json.loads(structured.choices[0].message.content)
    seen = client.chat.completions.create(
        model=model,
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PIXEL}"}},
                ],
            }
        ],
    )
    result["image"] = seen.choices[0].message.content
    result["errors"] = {
        "rate_limited": error_of(lambda: client.chat.completions.create(model=f"{service}/error-429", messages=HI)),
        "refused_field": error_of(lambda: client.chat.completions.create(model=model, messages=HI, presence_penalty=0.5)),
    }
    return result


def anthropic_sdk(client, model, service):
    """Messages, streamed messages (raw events and the SDK's helper), a tool round trip (plain and streamed), errors."""
    result = {}
    message = client.messages.create(model=model, max_tokens=64, system="Be brief.", messages=ASK)
    result["messages"] = {
        "text": message.content[0].text,
        "stop_reason": message.stop_reason,
        "input_tokens": message.usage.input_tokens,
        "output_tokens": message.usage.output_tokens,
        "cache_read_input_tokens": message.usage.cache_read_input_tokens,
    }
    events = list(client.messages.create(model=model, max_tokens=64, messages=ASK, stream=True))
    with client.messages.stream(model=model, max_tokens=64, messages=ASK) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    result["stream"] = {
        "types": [event.type for event in events],
        "start_input_tokens": events[0].message.usage.input_tokens,
        "text": text,
        "output_tokens": final.usage.output_tokens,
        "input_tokens": final.usage.input_tokens,
    }
    used = client.messages.create(model=model, max_tokens=64, messages=ASK, tools=[TOOL])
    use = next(block for block in used.content if block.type == "tool_use")
    replied = client.messages.create(
        model=model,
        max_tokens=64,
        tools=[TOOL],
        messages=ASK
        + [
            {"role": "assistant", "content": [block.model_dump() for block in used.content]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "18C and sunny"}]},
        ],
    )
    result["tools"] = {
        "stop_reason": used.stop_reason,
        "id": use.id,
        "name": use.name,
        "input": use.input,
        "answer": next(block.text for block in replied.content if block.type == "text"),
    }
    with client.messages.stream(model=model, max_tokens=64, messages=ASK, tools=[TOOL]) as stream:
        streamed = stream.get_final_message()
    result["stream_tools"] = [
        {"id": block.id, "name": block.name, "input": block.input} for block in streamed.content if block.type == "tool_use"
    ]
    result["errors"] = {
        "rate_limited": error_of(
            lambda: client.messages.create(model=f"{service}/error-429", max_tokens=8, messages=ASK)
        ),
        "refused_field": error_of(
            lambda: client.messages.create(model=model, max_tokens=8, messages=ASK, extra_body={"service_tier": "auto"})
        ),
    }
    return result


gpt = openai.OpenAI(base_url=f"{base}/v1", api_key=key, max_retries=0)
ant = anthropic.Anthropic(base_url=base, api_key=key, max_retries=0)
print(
    json.dumps(
        {
            "openai": {
                service: openai_sdk(gpt, model, service)
                for service, model in [
                    ("anthropic", "anthropic/claude-3-5-haiku-latest"),
                    ("gemini", "gemini/gemini-2.0-flash"),
                    ("cohere", "cohere/command-r-plus"),
                ]
            },
            "anthropic": {
                service: anthropic_sdk(ant, model, service)
                for service, model in [
                    ("openai", "openai/gpt-4o-mini"),
                    ("gemini", "gemini/gemini-2.0-flash"),
                    ("cohere", "cohere/command-r-plus"),
                ]
            },
        }
    )
)
