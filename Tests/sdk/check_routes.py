"""Runs the official OpenAI Python SDK, unmodified, against a route whose first target (an OpenAI
model) fails and whose second is a Claude model (docs/routes.md): the answer comes in OpenAI's
shape, plain and streamed, with the route's headers.

Usage: check_routes.py BASE_URL API_KEY  -- prints one JSON object with what each call returned.
"""
import json
import sys

import openai

base, key = sys.argv[1], sys.argv[2]
client = openai.OpenAI(base_url=f"{base}/v1", api_key=key, max_retries=0)
ask = [{"role": "user", "content": "Hi"}]

raw = client.chat.completions.with_raw_response.create(model="smart", messages=ask, max_tokens=16)
chat = raw.parse()
result = {
    "chat": {
        "content": chat.choices[0].message.content,
        "finish_reason": chat.choices[0].finish_reason,
        "model": chat.model,
        "completion_tokens": chat.usage.completion_tokens,
        "route": raw.headers.get("x-route"),
        "served_by": raw.headers.get("x-served-by"),
        "attempts": raw.headers.get("x-attempts"),
    }
}
text = ""
with client.chat.completions.with_streaming_response.create(model="smart", messages=ask, stream=True) as response:
    result["stream_served_by"] = response.headers.get("x-served-by")
    for chunk in response.parse():
        if chunk.choices and chunk.choices[0].delta.content:
            text += chunk.choices[0].delta.content
result["stream_text"] = text
result["models"] = [model.id for model in client.models.list() if model.owned_by == "route"]
print(json.dumps(result))
